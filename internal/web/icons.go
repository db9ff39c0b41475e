package web

import (
	"bytes"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"sync"

	"andon/internal/domain"
)

// iconSizes are the PNG app icon sizes served (home screens, touch icons).
var iconSizes = map[int]bool{180: true, 192: true, 512: true}

// IconSize reports whether an icon of this size is served.
func IconSize(n int) bool { return iconSizes[n] }

// Icons draws and caches PNG app icons per size and colour, so the icons on
// a phone's home screen follow the branding without image files to upload.
type Icons struct {
	mu    sync.Mutex
	cache map[string][]byte
}

// NewIcons returns an empty icon cache.
func NewIcons() *Icons { return &Icons{cache: map[string][]byte{}} }

// PNG returns the icon of the given size in colour hex (#rrggbb).
func (ic *Icons) PNG(size int, hexColor string) ([]byte, error) {
	key := hexColor + "/" + strconv.Itoa(size)
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if b, ok := ic.cache[key]; ok {
		return b, nil
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, DrawIcon(size, parseColor(hexColor))); err != nil {
		return nil, err
	}
	if len(ic.cache) > 64 {
		ic.cache = map[string][]byte{}
	}
	ic.cache[key] = buf.Bytes()
	return buf.Bytes(), nil
}

func parseColor(s string) color.NRGBA {
	if !domain.ValidColor(s) {
		s = domain.DefaultBrandColor
	}
	b, _ := hex.DecodeString(s[1:])
	return color.NRGBA{R: b[0], G: b[1], B: b[2], A: 255}
}

// DrawIcon paints the Andon mark: a lamp (white disc with a soft ring) on a
// full-bleed brand-coloured square, which also works as a maskable icon.
func DrawIcon(size int, bg color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	c := float64(size) / 2
	inner := float64(size) * 0.17
	ringIn, ringOut := float64(size)*0.25, float64(size)*0.31
	white := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
			px := bg
			switch {
			case d <= inner+0.5:
				px = blend(bg, white, clamp(inner+0.5-d))
			case d >= ringIn-0.5 && d <= ringOut+0.5:
				a := math.Min(clamp(d-(ringIn-0.5)), clamp(ringOut+0.5-d)) * 0.55
				px = blend(bg, white, a)
			}
			img.SetNRGBA(x, y, px)
		}
	}
	return img
}

func clamp(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func blend(a, b color.NRGBA, t float64) color.NRGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
}
