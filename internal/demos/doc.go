// Package demos reads the workshops under demos/ the way demosh runs them and
// checks that every block would run as written with the current binary.
//
// demosh (github.com/BuoyantIO/demosh) runs the bash and sh blocks of a
// Markdown file one command at a time, each in its own /bin/sh, and acts on
// directives in Markdown comments (<!-- @SHOW -->) and in shell comments
// (#@wait). This package reproduces what it reads and in which order
// (Read), and then checks every command it would run (Check): the syntax, that
// a failure stops the workshop, that the files it names exist, that every
// localcluster invocation is accepted (as a dry-run against its lab), that
// every manifest it applies is accepted by a real kube-apiserver, and that
// every Helm chart it installs renders. Built with -tags e2e, the same
// reading runs every command for real, in order (Run).
package demos
