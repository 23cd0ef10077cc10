package seal_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pccovid/pccovid/internal/db"
	"github.com/pccovid/pccovid/internal/db/dbtest"
	"github.com/pccovid/pccovid/internal/seal"
)

var now = time.Date(2021, 9, 10, 8, 0, 0, 0, time.UTC)

func newSealer(t testing.TB) (*seal.Sealer, *seal.KeyFile) {
	t.Helper()
	kf, err := seal.NewKeyFile(now)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	return seal.NewSealer(ring), kf
}

func TestSealOpenRoundTrip(t *testing.T) {
	s, _ := newSealer(t)
	ct := s.SealString("person.full_name", "Nguyễn Thị Thu Hà")
	if bytes.Contains(ct, []byte("Nguy")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := s.OpenString("person.full_name", ct)
	if err != nil || got != "Nguyễn Thị Thu Hà" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if ct2 := s.SealString("person.full_name", "Nguyễn Thị Thu Hà"); bytes.Equal(ct, ct2) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
	if s.SealString("person.full_name", "") != nil {
		t.Fatal("empty value should seal to nil")
	}
}

func TestOpenRefusesOtherFieldAndTampering(t *testing.T) {
	s, _ := newSealer(t)
	ct := s.SealString("person.cccd", "001085012345")
	if _, err := s.Open("person.phone", ct); err == nil {
		t.Fatal("a CCCD opened as a phone: the field is not bound")
	}
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	if _, err := s.Open("person.cccd", bad); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	if _, err := s.Open("person.cccd", []byte("plain text")); err == nil {
		t.Fatal("plaintext accepted as a sealed value")
	}
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	_, kf := newSealer(t)
	r1, _ := kf.Ring()
	old := seal.NewSealer(r1).SealString("person.phone", "+84912345678")
	if err := kf.AddKey(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r2, err := kf.Ring()
	if err != nil {
		t.Fatal(err)
	}
	s2 := seal.NewSealer(r2)
	if got, err := s2.OpenString("person.phone", old); err != nil || got != "+84912345678" {
		t.Fatalf("old value after rotation = %q, %v", got, err)
	}
	fresh := s2.SealString("person.phone", "+84912345678")
	if seal.KeyID(old) != 1 || seal.KeyID(fresh) != 2 {
		t.Fatalf("key ids old=%d fresh=%d, want 1 and 2", seal.KeyID(old), seal.KeyID(fresh))
	}
	re, changed, err := s2.ResealValue("person.phone", old)
	if err != nil || !changed || seal.KeyID(re) != 2 {
		t.Fatalf("reseal: key %d changed %v err %v", seal.KeyID(re), changed, err)
	}
	// The blind index does not depend on the data key.
	if !bytes.Equal(seal.NewSealer(r1).Index("phone", "+84912345678"), s2.Index("phone", "+84912345678")) {
		t.Fatal("blind index changed with a data-key rotation")
	}
}

func TestBlindIndex(t *testing.T) {
	s, _ := newSealer(t)
	a, b := s.Index("cccd", "001085012345"), s.Index("cccd", "001085012345")
	if !bytes.Equal(a, b) || len(a) != seal.IndexSize {
		t.Fatalf("index not deterministic or wrong size: %x %x", a, b)
	}
	if bytes.Equal(a, s.Index("cmnd", "001085012345")) {
		t.Fatal("the same value of two kinds indexes equally")
	}
	other, _ := newSealer(t)
	if bytes.Equal(a, other.Index("cccd", "001085012345")) {
		t.Fatal("two key files give the same index")
	}
	if s.Index("cccd", "") != nil {
		t.Fatal("empty value should have no index")
	}
}

func TestOpenChecksKeysAgainstDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		file := filepath.Join(dir, "keys.json")
		s, err := seal.Open(ctx, d, seal.Source{File: file}, now)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
		}
		_ = s
		// Same file again: fine.
		if _, err := seal.Open(ctx, d, seal.Source{File: file}, now); err != nil {
			t.Fatalf("reopen with the same key file: %v", err)
		}
		// Missing file for a database that has sealed data: a clear error,
		// not a new key.
		_, err = seal.Open(ctx, d, seal.Source{File: filepath.Join(dir, "gone.json")}, now)
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("missing key file: err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "gone.json")); err == nil {
			t.Fatal("a new key file was created for a database with sealed data")
		}
		// Another key file: refused.
		other, _ := seal.NewKeyFile(now)
		otherPath := filepath.Join(dir, "other.json")
		other.Save(otherPath)
		_, err = seal.Open(ctx, d, seal.Source{File: otherPath}, now)
		if err == nil || !strings.Contains(err.Error(), "wrong key file") {
			t.Fatalf("wrong key file: err = %v", err)
		}
		// Inline keys (environment) work like the file.
		b, _ := os.ReadFile(file)
		if _, err := seal.Open(ctx, d, seal.Source{Inline: b}, now); err != nil {
			t.Fatalf("inline keys: %v", err)
		}
	})
}

func TestResealTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s1, kf := newSealer(t)
		if _, err := d.Exec(ctx, "CREATE TABLE secrets (a TEXT NOT NULL, b BIGINT NOT NULL, v_sealed BYTEA, PRIMARY KEY (a, b))"); err != nil {
			t.Fatal(err)
		}
		for i := range 2500 {
			if _, err := d.Exec(ctx, "INSERT INTO secrets (a, b, v_sealed) VALUES ($1, $2, $3)",
				string(rune('a'+i%3)), i, s1.SealString("secret.v", "value")); err != nil {
				t.Fatal(err)
			}
		}
		kf.AddKey(now)
		r2, _ := kf.Ring()
		s2 := seal.NewSealer(r2)
		cols := []seal.Column{{Table: "secrets", Key: []string{"a", "b"}, Column: "v_sealed", Field: "secret.v"}}
		n, err := s2.Reseal(ctx, d, cols)
		if err != nil || n != 2500 {
			t.Fatalf("resealed %d, %v; want 2500", n, err)
		}
		rows, err := d.Query(ctx, "SELECT v_sealed FROM secrets")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v []byte
			rows.Scan(&v)
			if seal.KeyID(v) != 2 {
				t.Fatalf("value still under key %d", seal.KeyID(v))
			}
			if got, err := s2.OpenString("secret.v", v); err != nil || got != "value" {
				t.Fatalf("value after reseal = %q, %v", got, err)
			}
		}
		if n, err := s2.Reseal(ctx, d, cols); err != nil || n != 0 {
			t.Fatalf("second reseal did %d, %v; want 0", n, err)
		}
	})
}

// BenchmarkSealOpen measures one field sealed and opened, the unit of work
// of every personal field written and read.
func BenchmarkSealOpen(b *testing.B) {
	s, _ := newSealer(b)
	v := []byte("Nguyễn Thị Thu Hà")
	b.ReportAllocs()
	for b.Loop() {
		ct := s.Seal("person.full_name", v)
		if _, err := s.Open("person.full_name", ct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndex measures one blind index.
func BenchmarkIndex(b *testing.B) {
	s, _ := newSealer(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Index("phone", "+84912345678")
	}
}
