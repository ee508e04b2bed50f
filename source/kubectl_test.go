package source

import "testing"

// TestResolveShortcuts holds the fast paths of resolve11 (plain decimals,
// plain words) to go-yaml v2, which it calls with the shortcuts off.
func TestResolveShortcuts(t *testing.T) {
	for _, s := range []string{"0", "1", "80", "8080", "65535", "1000", "123456789012345678", "1234567890123456789",
		"00", "01", "010", "0x1F", "-1", "+1", "1_000", "1e3", "1.5", "12:30", "1.", "nginx", "app", `a"b`, "a<b", "a&b",
		"café", "tab\there", `back\slash`, "yes", "on", "null", "", "~", "true", "registry.example.com/app:1.2.0",
		"100m", "128Mi", "1.2.0", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1Gi", "0x1G", "-1x", "-.inf", "+.inf", ".inf", ".5",
		"nginx", "TCP", "No", "no", "off", "Off", "y", "n", "t", "f", "o", "True", "FALSE", "Null", "node-1", "foo/bar", "0b101", "0o17",
		"-0b11", "1e3", "1E3", "12e", "9223372036854775808", "18446744073709551616", "deadbeef", "0xdeadbeef", "<<"} {
		shortcuts = true
		got := resolve11(s, false, "")
		shortcuts = false
		want := resolve11(s, false, "")
		shortcuts = true
		if got != want {
			t.Errorf("%q: got %+v, want %+v", s, got, want)
		}
	}
}
