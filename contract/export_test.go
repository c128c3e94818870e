package contract

import (
	"context"
	"time"
)

// SetSleep replaces the client's wait between attempts, so that tests of retries neither wait
// nor lose what the client asked to wait.
func SetSleep(c *Client, sleep func(ctx context.Context, d time.Duration) error) *Client {
	c.Sleep = sleep
	return c
}
