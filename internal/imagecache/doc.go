// Package imagecache is the lab's pull-through image cache: a real
// registry (distribution's, in proxy mode, used as a library) for each
// upstream registry the lab pulls from, served by localcluster's own
// binary from a one-file image built offline, in one container on the lab
// network with its storage on a Docker volume kept across labs; the node
// mirror settings that point kind and k3d nodes at it; and copying host
// images into nodes.
package imagecache
