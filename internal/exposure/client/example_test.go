package client_test

import (
	"fmt"
	"time"

	"github.com/pccovid/pccovid/internal/exposure/client"
)

// Two phones meet; one owner later shares her keys; the other phone finds
// the encounter in them, on the phone. (In real use the keys come from the
// server's signed export files: see Phone.CheckExposures.)
func ExamplePhone() {
	now := time.Date(2021, 10, 15, 9, 0, 0, 0, time.UTC)
	lan, minh := client.NewPhone(), client.NewPhone()

	met := now.Add(-26 * time.Hour)
	id, _ := lan.Broadcast(met)
	minh.Observe(id, met.Add(2*time.Minute), -58)

	shared := lan.Keys(now) // what Lan's phone uploads after her positive test
	for _, e := range minh.Match(shared) {
		fmt.Printf("exposed on %s, signal %d dBm\n", e.Observation.SeenAt.Format("2006-01-02 15:04"), e.Observation.RSSI)
	}
	// Output: exposed on 2021-10-14 07:02, signal -58 dBm
}
