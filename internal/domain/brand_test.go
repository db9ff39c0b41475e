package domain

import "testing"

func TestBrandNormalized(t *testing.T) {
	for _, c := range []struct {
		name string
		in   Brand
		want Brand
	}{
		{"unbranded", Brand{}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
		{"set", Brand{Name: " Acme Help ", Color: " #FF5500 ", LogoURL: "https://cdn.acme.test/l.png", Footer: " Acme Ltd "},
			Brand{Name: "Acme Help", Color: "#ff5500", LogoURL: "https://cdn.acme.test/l.png", Footer: "Acme Ltd"}},
		{"uploaded logo", Brand{LogoURL: "/brand/logo?v=1a2b"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor, LogoURL: "/brand/logo?v=1a2b"}},
		{"script logo", Brand{LogoURL: "javascript:alert(1)"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
		{"other host", Brand{LogoURL: "//evil.test/x.png"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
		{"bad colour", Brand{Color: "red"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
		{"short colour", Brand{Color: "#fff"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
		{"support", Brand{SupportEmail: " Help@Acme.TEST ", SupportPhone: " +1 (555) 010-2000 "},
			Brand{Name: DefaultBrandName, Color: DefaultBrandColor, SupportEmail: "help@acme.test", SupportPhone: "+1 (555) 010-2000", SupportDial: "+15550102000"}},
		{"bad support", Brand{SupportEmail: "help", SupportPhone: "call us"}, Brand{Name: DefaultBrandName, Color: DefaultBrandColor}},
	} {
		if got := c.in.Normalized(); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestBrandAbsoluteLogoURL(t *testing.T) {
	for _, c := range []struct{ logo, base, want string }{
		{"https://cdn.acme.test/l.png", "", "https://cdn.acme.test/l.png"},
		{"/brand/logo?v=1", "https://help.acme.test/", "https://help.acme.test/brand/logo?v=1"},
		{"/brand/logo?v=1", "", ""},
		{"", "https://help.acme.test", ""},
	} {
		if got := (Brand{LogoURL: c.logo}).AbsoluteLogoURL(c.base); got != c.want {
			t.Errorf("%q on %q: %q, want %q", c.logo, c.base, got, c.want)
		}
	}
}
