// Package kubeconfig merges the admin credentials of lab clusters into the
// user's kubeconfig file and removes them again, and builds clients from it.
//
// The user's file is edited as a YAML tree, not decoded into client-go's
// types and re-encoded: entries that are not the lab's keep their order,
// comments and any fields this version of client-go does not know. Writes
// take the same "<file>.lock" that kubectl, client-go and kind take, and
// replace the file atomically, so clusters created or deleted in parallel,
// in this process or in others, never lose each other's entries.
package kubeconfig
