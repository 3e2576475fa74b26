//go:build race

package backends

const raceDetector = true
