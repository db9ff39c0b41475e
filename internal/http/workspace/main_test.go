package workspace

import (
	"testing"

	"andon/internal/testutil"
)

// TestMain drops the per-process PostgreSQL template after the tests.
func TestMain(m *testing.M) { testutil.Main(m) }
