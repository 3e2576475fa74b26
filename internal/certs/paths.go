package certs

// AnchorPaths are the trust anchor's certificate and key in trustDir ("" means
// DefaultTrustDir).
func AnchorPaths(trustDir string) (crt, key string) {
	return Options{TrustDir: trustDir}.anchorPaths()
}

// IssuerPaths are a cluster's issuer certificate and key in its directory.
func IssuerPaths(clusterDir string) (crt, key string) { return issuerPaths(clusterDir) }
