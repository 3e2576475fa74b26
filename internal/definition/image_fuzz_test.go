package definition

import (
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// FuzzCheckImage checks that an image accepted here is one Docker would
// parse, with a tag or digest, and that a refusal is one well-formed line.
func FuzzCheckImage(f *testing.F) {
	for _, s := range []string{
		"kindest/node:v1.34.0", "rancher/k3s:v1.33.1-k3s1", "localhost:5000/node:v1", "Kindest/Node:v1", "kindest/node",
		"kindest/node:", "kindest/node@sha256:abc", "https://ghcr.io/x:v1", "kindest//node:v1", "a:b:c", "é:1", "x@y@z",
		"docker.io/rancher/k3s:v1.34.1-k3s1@sha256:" + strings.Repeat("a", 64), ":", "@", "/", "a/:v",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, image string) {
		msg := checkImage(image)
		if msg == "" {
			ref, err := reference.ParseNormalizedNamed(image)
			if err != nil {
				t.Fatalf("accepted %q, which does not parse: %v", image, err)
			}
			_, tagged := ref.(reference.Tagged)
			_, digested := ref.(reference.Digested)
			if !tagged && !digested {
				t.Fatalf("accepted %q without tag or digest", image)
			}
			return
		}
		if strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("message for %q spans lines: %q", image, msg)
		}
	})
}
