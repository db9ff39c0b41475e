// Package browsertest drives the agent workspace in a real headless
// chromium (chromedp) against a real server and database: the flows an agent
// goes through, live updates between two browsers (two nodes on PostgreSQL),
// phone-width layout, and the README screenshots (make screenshots).
package browsertest
