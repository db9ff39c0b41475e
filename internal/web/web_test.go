package web

import (
	"bytes"
	"image/color"
	"image/png"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/settings"
)

func TestTemplatesParseAndRenderLayout(t *testing.T) {
	a, err := LoadAssets()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := Load(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"login", "inbox", "ticket", "ticket_new", "search", "error", "error_bare"} {
		if !tm.Has(name) {
			t.Errorf("page %s missing", name)
		}
	}
	rec := httptest.NewRecorder()
	p := &Page{Title: "Oops", Brand: settings.BrandFrom(map[string]string{"brand.name": "Acme <Help>", "brand.color": "javascript:x"}),
		User: &domain.User{Name: "Ann Agent", Role: domain.RoleAdmin}, CSRF: "tok",
		Data: map[string]any{"Status": 404, "Message": "ticket not found"}}
	if err := tm.Render(rec, "error", p); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{"Acme &lt;Help&gt;", domain.DefaultBrandColor, `id="nav-settings"`, `id="help-overlay"`, `name="csrf" value="tok"`, "ticket not found", "/static/app.js?v="} {
		if !strings.Contains(body, want) {
			t.Errorf("layout lacks %q", want)
		}
	}
	// A failing page writes nothing, so the caller can still send an error page.
	rec = httptest.NewRecorder()
	if err := tm.Render(rec, "ticket", &Page{User: &domain.User{}, Data: 42}); err == nil || rec.Body.Len() != 0 {
		t.Fatalf("bad data: err %v, wrote %d bytes", err, rec.Body.Len())
	}
}

func TestHelpers(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	cases := map[time.Duration]string{10 * time.Second: "just now", 5 * time.Minute: "5m ago", 3 * time.Hour: "3h ago", 50 * time.Hour: "2d ago"}
	for d, want := range cases {
		if got := Ago(now.Add(-d), now); got != want {
			t.Errorf("Ago(-%v) = %q, want %q", d, got, want)
		}
	}
	if got := Ago(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), now); got != "2 Jan 2025" {
		t.Errorf("old date: %q", got)
	}
	if got := string(Text("Hi <b>you</b>\r\nbye")); got != "Hi &lt;b&gt;you&lt;/b&gt;<br>bye" {
		t.Errorf("Text = %q", got)
	}
	if Initials("ann marie smith") != "AM" || Initials("") != "?" {
		t.Error("initials")
	}
	if Duration(270) != "4 min 30 s" || Duration(300) != "5 min" {
		t.Error("duration")
	}
	if got := string(EventText("Ann", &domain.Event{Field: "status", From: "new", To: "on_hold"})); got != "<b>Ann</b> changed status from <b>New</b> to <b>On hold</b>" {
		t.Errorf("event %q", got)
	}
	if b := settings.BrandFrom(map[string]string{"brand.logo_url": "javascript:alert(1)"}); b.LogoURL != "" || b.Name != "Andon" {
		t.Errorf("unsafe logo kept: %+v", b)
	}
}

func TestIconIsBrandColouredPNG(t *testing.T) {
	ic := NewIcons()
	b, err := ic.PNG(192, "#0f766e")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 192 || img.Bounds().Dy() != 192 {
		t.Fatalf("size %v", img.Bounds())
	}
	corner := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA)
	centre := color.NRGBAModel.Convert(img.At(96, 96)).(color.NRGBA)
	if corner != (color.NRGBA{0x0f, 0x76, 0x6e, 255}) || centre != (color.NRGBA{255, 255, 255, 255}) {
		t.Fatalf("corner %v centre %v", corner, centre)
	}
	again, _ := ic.PNG(192, "#0f766e")
	if !bytes.Equal(b, again) {
		t.Fatal("cached icon differs")
	}
}
