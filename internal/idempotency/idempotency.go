// Package idempotency makes creating POSTs safe to retry: an
// Idempotency-Key is scoped to the user and the route and kept 24 hours;
// the same key with the same body returns the object the first request
// created, the same key with another body answers a conflict. The request
// is remembered by a keyed hash only, never its content, and a replay
// re-reads the object, so no response body holding personal data is
// stored.
package idempotency

import (
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/jardam-kg/jardam/internal/platform/apperr"
	"github.com/jardam-kg/jardam/internal/platform/web"
)

// Header is the request header carrying the key (named once, by the HTTP
// layer that reads it).
const Header = web.HeaderIdempotencyKey

// Check validates a key: at most 200 printable ASCII characters without
// spaces. It returns a validation error naming the header.
func Check(key string) error {
	if len(key) > 200 {
		return apperr.Invalid(Header, "must be at most 200 characters")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return apperr.Invalid(Header, "must be printable ASCII without spaces")
		}
	}
	return nil
}

// Claim records key for the user and route, with the keyed hash of the
// request and the id of the object this request will create, inside the
// creating transaction tx (so the key and the object commit together). It
// returns uuid.Nil when this request is the first with the key, or the id
// of the object the first request created; a different request under the
// same key answers a conflict naming the header. A concurrent first request
// with the same key makes this one wait for it.
func Claim(tx *gorm.DB, userID uuid.UUID, route, key string, requestHash []byte, id uuid.UUID) (uuid.UUID, error) {
	if err := Check(key); err != nil {
		return uuid.Nil, err
	}
	if err := tx.Exec(`DELETE FROM idempotency_keys WHERE user_id = ? AND route = ? AND key = ? AND created_at < now() - interval '24 hours'`,
		userID, route, key).Error; err != nil {
		return uuid.Nil, err
	}
	res := tx.Exec(`INSERT INTO idempotency_keys (user_id, route, key, request_hash, status, resource_id)
		VALUES (?, ?, ?, ?, 201, ?) ON CONFLICT (user_id, route, key) DO NOTHING`, userID, route, key, requestHash, id)
	if res.Error != nil {
		return uuid.Nil, res.Error
	}
	if res.RowsAffected == 1 {
		return uuid.Nil, nil
	}
	var prev struct {
		RequestHash []byte
		ResourceID  uuid.UUID
	}
	if err := tx.Raw(`SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = ? AND route = ? AND key = ?`,
		userID, route, key).Scan(&prev).Error; err != nil {
		return uuid.Nil, err
	}
	if string(prev.RequestHash) != string(requestHash) {
		return uuid.Nil, apperr.Conflict("this Idempotency-Key was used with another request", Header)
	}
	return prev.ResourceID, nil
}
