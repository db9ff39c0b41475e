package app

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionNamesTheRevision: a binary built from a checkout says which
// commit it is and whether the tree had local changes.
func TestVersionNamesTheRevision(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "andon", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "9841316a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"},
			{Key: "vcs.time", Value: "2026-12-02T15:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := describeBuild(info, "dev")
	for _, want := range []string{"dev ", "revision 9841316a0b1c+modified", "2026-12-02T15:00:00Z", "go1.26.8"} {
		if !strings.Contains(got, want) {
			t.Errorf("version %q lacks %q", got, want)
		}
	}
	info.Main.Version = "v1.4.0"
	info.Settings[2].Value = "false"
	if got := describeBuild(info, "dev"); !strings.HasPrefix(got, "v1.4.0 revision 9841316a0b1c ") {
		t.Errorf("module version: %q", got)
	}
	if got := describeBuild(info, "1.5.0-rc1"); !strings.HasPrefix(got, "1.5.0-rc1 ") {
		t.Errorf("a version set at build time comes first: %q", got)
	}
}
