set -e
#@import sub/more.md
#@hook show_slides SLIDES
#@macro pause
  #@wait
#@end
echo from inc
```
echo never read
