package chat

import _ "embed"

// WidgetJS is the embeddable widget, served at /widget.js.
//
//go:embed widget.js
var WidgetJS []byte
