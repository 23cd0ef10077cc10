// Package synth generates a deterministic synthetic Vietnamese population:
// households living in real wards, with family names, birth dates, CCCD
// and old CMND numbers, phones and health-insurance cards that look and
// collide like the real population database extract does.
//
// It backs `pccovid gen population` (see [WriteRegistry], which writes
// registry/people.csv and registry/insurance.csv in the format of the legacy
// contract) and feeds the generators of legacy-app dumps, which read the
// same people as a stream of Go values ([Population.All],
// [Population.Households]).
//
// Everything is a pure function of the seed and the number of persons: the
// same seed and size give byte-identical files on every run and machine.
// Generation streams household by household, so memory stays bounded by the
// size of one household whatever the number of persons, and a population of
// N persons is the first N persons of any larger population with the same
// seed (only the last household may be cut short).
//
// The data is made to exercise record linkage honestly: common names repeat
// as often as in reality ("Nguyễn Văn Hùng" born in 1980 is many people),
// spouses sometimes share one phone, twins share a birth date and a family
// name, and identity numbers were issued in runs, so that a one-digit typo
// in one person's number usually lands on another real person.
package synth
