package secrets

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// Keyring is the OS keychain seen by Store; SystemKeyring is the real one and
// tests supply their own.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// SystemKeyring stores secrets in the OS keychain (macOS Keychain, Windows
// Credential Manager, Secret Service on Linux) through go-keyring.
type SystemKeyring struct{}

// Get returns the stored secret, or ErrNotFound.
func (SystemKeyring) Get(service, user string) (string, error) {
	v, err := keyring.Get(service, user)
	return v, mapErr(err)
}

// Set stores a secret, replacing any previous one.
func (SystemKeyring) Set(service, user, password string) error {
	return mapErr(keyring.Set(service, user, password))
}

// Delete removes a secret; ErrNotFound if there was none.
func (SystemKeyring) Delete(service, user string) error {
	return mapErr(keyring.Delete(service, user))
}

func mapErr(err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	return err
}
