package workspace

import (
	"os"
	"testing"

	"andon/internal/testutil"
)

// TestMain drops the per-process PostgreSQL template after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}
