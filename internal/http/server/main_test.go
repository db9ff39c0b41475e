package server_test

import (
	"testing"

	"andon/internal/testutil"
)

// TestMain drops the per-process PostgreSQL template after the tests. One
// TestMain serves every test file of this package.
func TestMain(m *testing.M) { testutil.Main(m) }
