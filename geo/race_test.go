//go:build race

package geo

// The race detector slows the sweep about tenfold; the speed tests allow
// for it rather than fail on instrumented builds.
func init() { slowdown = 20 }
