// Package quarantine holds isolation orders (for cases, F0) and quarantine
// orders (for close contacts, F1, and arrivals from abroad): computed from
// the Ministry of Health's policy in force, followed day by day — the
// person's daily health reports and test appointments — by the commune
// officers of the ward where the person stays, and ended by a release when
// the policy's criteria are met. Decisions print as PDF.
//
// Policies are versioned data with effective dates ([Policy]): 5599/BYT-MT
// (July 2021: 14 days in a facility, then 14 days of monitoring at home),
// 10696/BYT-MT (16 December 2021: a fully vaccinated or recently recovered
// F1 quarantines 7 days at home, tests on days 1 and 7, then monitors 7
// days), 762/BYT-DP (21 February 2022: 5 or 7 days by vaccination; a home
// F0 is released after 7 days with a negative rapid test). An order is
// computed by the policy in force on its first day — a contact's last
// exposure, a case's sampling, an arrival's day — and records the policy
// and the rule of it that applied.
//
// Issuing is idempotent: each order has a key (the case and person, the
// entry declaration), so an order issued again, or by a job running on two
// servers, is one order; a later exposure supersedes an earlier quarantine,
// and a case's isolation supersedes their quarantine. Every read of a
// person's order by an official is recorded with the purpose "quarantine".
package quarantine
