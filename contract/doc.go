// Package contract replays scenarios against a GitLab instance, judges every response by openapi.yaml, and compares runs to show what an upgrade changed.
package contract
