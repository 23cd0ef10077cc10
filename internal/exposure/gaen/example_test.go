package gaen_test

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/exposure/gaen"
)

func ExampleDerive() {
	tek, _ := hex.DecodeString("75c734c6dd1a782de7a965da5eb93125")
	ids, err := gaen.Derive(tek, 2642976, 2, []byte{0x40, 0x08, 0x00, 0x00})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range ids {
		fmt.Printf("%d %x %x\n", id.Interval, id.RPI, id.AEM)
	}
	// Output:
	// 2642976 8be6cd371c5c891604bfbe49df845096 72033874
	// 2642977 3c9a1de5dd6b02afa7fded7b570b3e56 c29211b1
}

func ExampleMatcher() {
	// A diagnosed person's key, and what our phone heard from their phone.
	tek, _ := hex.DecodeString("75c734c6dd1a782de7a965da5eb93125")
	ids, _ := gaen.Derive(tek, 2642976, 144, []byte{0x40, 0x08, 0x00, 0x00})
	heard := ids[42]
	obs := gaen.Observation{RPI: heard.RPI, SeenAt: gaen.IntervalStart(heard.Interval).Add(4 * time.Minute), RSSI: -70}
	copy(obs.AEM[:], heard.AEM)

	m := gaen.NewMatcher([]gaen.Observation{obs})
	for _, e := range m.Match([]gaen.Key{{Data: tek, IntervalNumber: 2642976, IntervalCount: 144}}) {
		fmt.Printf("exposed in interval %d at %s, metadata %x\n", e.Interval, e.Observation.SeenAt.Format(time.RFC3339), e.Metadata)
	}
	// Output: exposed in interval 2643018 at 2020-04-02T07:04:00Z, metadata 40080000
}
