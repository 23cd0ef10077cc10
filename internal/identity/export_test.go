package identity

import "context"

// UpgradeProfilesInBatches is UpgradeProfiles moving size persons a
// transaction, so a small test registry crosses many batches.
func UpgradeProfilesInBatches(ctx context.Context, s *Store, size int) (int, error) {
	return s.upgradeProfiles(ctx, size)
}
