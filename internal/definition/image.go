package definition

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// imageExample is how messages show a good node image reference.
const imageExample = "kindest/node:v1.34.0"

// checkImage returns what is wrong with a node image reference, or "". The
// reference is parsed as Docker parses it, so that a lab is refused here
// rather than after its network exists and kind or k3d fails to pull.
// A reference without a tag or digest is refused too: the runtime would
// ask for ":latest", which node images do not publish.
func checkImage(image string) string {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Sprintf("%q is not a valid image reference: %s; write it like %s (lower-case name, optionally a registry host first, then \":tag\" or \"@sha256:<digest>\")",
			clip(image), imageReason(image, err), imageExample)
	}
	_, tagged := ref.(reference.Tagged)
	_, digested := ref.(reference.Digested)
	if !tagged && !digested {
		return fmt.Sprintf("%q has no tag; kind and k3d would pull %s:latest, which node images do not have; add the version, e.g. %s",
			image, image, imageExample)
	}
	return ""
}

// imageReason says why the reference parser refused image, in words that
// fit after "is not a valid image reference:". The parser decides; this
// only names the likeliest cause.
func imageReason(image string, err error) string {
	name, tag, hasTag := splitTag(image)
	switch {
	case strings.ContainsAny(image, " \t\r\n"):
		return "it contains blanks"
	case errors.Is(err, reference.ErrNameContainsUppercase), strings.Contains(err.Error(), "must be lowercase"):
		return "the repository name must be lower-case"
	case errors.Is(err, reference.ErrNameTooLong):
		return err.Error()
	case strings.Contains(image, "://"):
		return "a reference has no scheme; leave out the \"://\" part"
	case strings.Count(image, "@") > 1:
		return "it has more than one \"@\""
	case strings.Contains(image, "@"):
		return "the digest after \"@\" must be an algorithm and hex digits, e.g. sha256:<64 hex digits>"
	case !isASCII(image):
		return "it has characters other than ASCII letters, digits and . _ - / : @"
	case strings.Contains(name, "//") || strings.HasSuffix(name, "/") || strings.HasPrefix(name, "/"):
		return "a part of the name between slashes is empty"
	case hasTag && tag == "":
		return "the tag after \":\" is empty"
	case hasTag && strings.Contains(tag, ":"):
		return "it has more than one tag"
	case hasTag && len(tag) > 128:
		return fmt.Sprintf("the tag is %d characters long, more than 128", len(tag))
	case hasTag:
		return "a tag has letters, digits, '_', '.' and '-', and does not start with '.' or '-'"
	}
	return strings.TrimPrefix(err.Error(), "invalid reference format: ")
}

// splitTag splits "name:tag" at the first colon after the last slash (a
// colon before it belongs to a registry port).
func splitTag(image string) (name, tag string, ok bool) {
	slash := strings.LastIndex(image, "/")
	i := strings.Index(image[slash+1:], ":")
	if i < 0 {
		return image, "", false
	}
	i += slash + 1
	return image[:i], image[i+1:], true
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 0x7E || r < 0x20 {
			return false
		}
	}
	return true
}

// clip shortens a value for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:50]) + "..." + string(r[len(r)-7:])
	}
	return s
}
