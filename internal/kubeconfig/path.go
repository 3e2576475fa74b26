package kubeconfig

import (
	"os"
	"path/filepath"
)

// EnvVar is the environment variable holding a list of kubeconfig files.
const EnvVar = "KUBECONFIG"

// Path returns the kubeconfig file that Merge and Remove should write.
//
// It follows kubectl: the explicit file (the --kubeconfig flag) if set; else,
// from the list in $KUBECONFIG, the first file that exists (kubectl creates
// new entries there), or the last one when none exists yet; else
// <home>/.kube/config. env is usually os.Getenv and home os.UserHomeDir's
// result; the only other thing Path looks at is which listed files exist.
func Path(explicit string, env func(string) string, home string) string {
	if explicit != "" {
		return explicit
	}
	var files []string
	seen := map[string]bool{}
	for _, f := range filepath.SplitList(env(EnvVar)) {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	switch len(files) {
	case 0:
		return filepath.Join(home, ".kube", "config")
	case 1:
		return files[0]
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && !fi.IsDir() {
			return f
		}
	}
	return files[len(files)-1]
}
