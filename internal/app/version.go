package app

import (
	"runtime/debug"
	"strings"
)

// BuildVersion describes the binary from its build information: the module
// version and, when built from a checkout, the VCS revision, commit time and
// whether the tree had uncommitted changes. fallback is the version set
// with -ldflags ("dev" when none): it wins over the module version.
func BuildVersion(fallback string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fallback
	}
	return describeBuild(info, fallback)
}

func describeBuild(info *debug.BuildInfo, fallback string) string {
	v := fallback
	if m := info.Main.Version; v == "dev" && m != "" && m != "(devel)" {
		v = m
	}
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	parts := []string{v}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
	}
	if at != "" {
		parts = append(parts, at)
	}
	parts = append(parts, info.GoVersion)
	return strings.Join(parts, " ")
}
