package dockerutil

import (
	"context"
	"fmt"
)

// ImageIDs returns the ID of each image in the host's Docker.
func (c *Client) ImageIDs(ctx context.Context, images []string) ([]string, error) {
	ids := make([]string, len(images))
	for i, image := range images {
		res, err := c.api.ImageInspect(ctx, image)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", image, err)
		}
		ids[i] = res.ID
	}
	return ids, nil
}
