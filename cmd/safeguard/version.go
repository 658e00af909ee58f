package main

import "runtime/debug"

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// buildVersion names this build: the -ldflags version, else the module
// version, else "dev", followed by the VCS revision when the build knows it.
func buildVersion() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return v
}

// toolVersion names the program and its build for reports.
func toolVersion() string { return "safeguard " + buildVersion() }
