package settings_test

import (
	"context"
	"testing"

	"andon/internal/domain"
	"andon/internal/settings"
	"andon/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestBrandFromStore(t *testing.T) {
	db := testutil.OpenDB(t)
	ctx := context.Background()
	b, err := settings.Brand(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.Brand{Name: domain.DefaultBrandName, Color: domain.DefaultBrandColor}); b != want {
		t.Errorf("unbranded: %+v, want %+v", b, want)
	}
	if err := db.SetSettings(ctx, map[string]string{settings.BrandName: "Acme Help", settings.BrandColor: "#FF5500",
		settings.BrandLogoURL: "/brand/logo?v=1", settings.SupportEmail: "Help@Acme.test", settings.SupportPhone: "nope",
		"brandx.name": "not a brand key"}); err != nil {
		t.Fatal(err)
	}
	b, err = settings.Brand(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Brand{Name: "Acme Help", Color: "#ff5500", LogoURL: "/brand/logo?v=1", SupportEmail: "help@acme.test"}
	if b != want {
		t.Errorf("branded (%s): %+v, want %+v", testutil.Engine(), b, want)
	}
}
