package app

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// inotifyPerCluster is roughly how many inotify instances a kind or k3d
// node takes (kubelet, containerd, the pods' watchers).
const inotifyPerCluster = 128

// warnInotify says so when the kernel's inotify limit is too low for the
// clusters about to run, the cause of "too many open files" in their pods.
func warnInotify(w io.Writer, clusters int, limitFile string) {
	data, err := os.ReadFile(limitFile)
	if err != nil || clusters == 0 {
		return
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || limit >= clusters*inotifyPerCluster {
		return
	}
	fmt.Fprintf(w, "warning: fs.inotify.max_user_instances is %d; %d clusters want about %d, or their pods fail with \"too many open files\".\n"+
		"         Raise it: sudo sysctl fs.inotify.max_user_instances=%d fs.inotify.max_user_watches=524288\n",
		limit, clusters, clusters*inotifyPerCluster, clusters*inotifyPerCluster)
}
