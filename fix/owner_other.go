//go:build !unix

package fix

import (
	"io/fs"
	"os"
)

// mayWrite: the read-only attribute (WriteAtomic's mode test) is what
// Windows has.
func mayWrite(string) error { return nil }

// keepOwner: a file's owner is not a uid here, and a replaced file's
// security descriptor is the folder's.
func keepOwner(*os.File, fs.FileInfo, string) error { return nil }
