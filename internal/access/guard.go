package access

import (
	"context"
	"errors"

	"github.com/pccovid/pccovid/internal/problem"
)

// Guard is what domain packages call before they return another person's
// data: it checks the request against each subject and writes the audit
// entries. Refusals are recorded too, so that probing leaves a trace.
type Guard struct {
	trail *Trail
}

// NewGuard returns a Guard writing to trail.
func NewGuard(trail *Trail) *Guard { return &Guard{trail: trail} }

// Trail returns the audit trail the guard writes to.
func (g *Guard) Trail() *Trail { return g.trail }

// Read allows req to read the data of every subject, or none: if any subject
// is out of bounds the whole read is refused. action names what is read
// ("person.view"). A citizen reading their own data is not recorded: it is
// not another person's data.
func (g *Guard) Read(ctx context.Context, req Request, action string, subjects ...Subject) error {
	var entries []Entry
	var refused error
	for _, s := range subjects {
		if req.Actor.Kind == KindCitizen && s.PersonID == req.Actor.PersonID {
			continue
		}
		e := Entry{Actor: req.Actor, Purpose: req.Purpose, Ref: req.Ref, Action: action, SubjectID: s.PersonID}
		if req.Actor.Kind == KindCitizen {
			e.Purpose = PurposeFamily
		}
		if err := req.Check(s); err != nil {
			refused = err
			e.Action, e.Detail = action+".refused", "refused"
			entries = []Entry{e}
			break
		}
		entries = append(entries, e)
	}
	if _, err := g.trail.Append(ctx, entries...); err != nil {
		return err
	}
	return refused
}

// Record writes an audit entry for an action that is not a read of one
// person's data but must be on the record: a search, a decision on a link, a
// notice sent to everyone in an area.
func (g *Guard) Record(ctx context.Context, req Request, action, subjectID, detail string) error {
	if req.Actor.Kind != KindCitizen && req.Actor.Kind != KindSystem {
		if req.Purpose == "" || !req.Purpose.Allows(req.Actor.Role) {
			_, err := g.trail.Append(ctx, Entry{Actor: req.Actor, Purpose: req.Purpose, Ref: req.Ref,
				Action: action + ".refused", SubjectID: subjectID, Detail: "refused: no valid purpose"})
			return errors.Join(err, problem.ErrForbidden)
		}
	}
	_, err := g.trail.Append(ctx, Entry{Actor: req.Actor, Purpose: req.Purpose, Ref: req.Ref,
		Action: action, SubjectID: subjectID, Detail: detail})
	return err
}
