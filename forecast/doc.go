// Package forecast answers a coordinator's capacity questions: at the rate a
// force can action subjects, when does its current backlog clear, and how
// many subjects will be actioned after their due time? And what if the force
// got more capacity?
//
// The model is deliberately simple and stated so that anyone can check it
// by hand. A force works its queue in queue order (band, then due date) at a
// steady rate: with a capacity of c subjects a week, the k-th subject of the
// queue (counting from 1) is actioned k/c weeks from now. It breaches if
// that is later than its due time; a subject already past its due time is a
// breach whatever the capacity. A force that sets a capacity per band works
// each band's queue at that band's rate, independently; a band without
// capacity never clears. The backlog clears when its last subject is
// actioned.
//
// No new arrivals are assumed: the forecast is for the backlog as it stands,
// which is the question a coordinator asks before an operation. The package
// does no I/O and never sees personal data: items are bands and due times.
package forecast
