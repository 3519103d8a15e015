package passwd

import (
	"crypto/rand"
	"encoding/base64"
)

// OneTime returns a random one-time password: 120 bits from the operating
// system's generator, as 20 URL-safe characters. It is shown once to the
// person who hands it over; its holder must change it at first sign-in.
func OneTime() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it aborts the process instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
