package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"safeguard"
)

// Services are the services Seed writes through. Operations may be nil, in
// which case no operation is seeded.
type Services struct {
	Forces      safeguard.ForceService
	Users       safeguard.UserService
	Auth        safeguard.AuthService
	Subjects    safeguard.SubjectService
	Referrals   safeguard.ReferralService
	Assessments safeguard.AssessmentService
	Operations  safeguard.OperationService
	// Risk, when set, receives analysts' facts (occupations, children in
	// the household, history) so that the real risk engine assesses the
	// demo's subjects; without it each subject gets a stand-in assessment.
	Risk safeguard.RiskService
}

// Options control the generator. The same Seed and Subjects give the same
// data.
type Options struct {
	Seed     uint64
	Subjects int       // default 200
	Now      time.Time // the demo's "today"; default the current time
}

// Login is a demo account and the password set for it by this run.
type Login struct {
	Name     string
	Role     safeguard.Role
	Force    string
	Password string
}

// demoAccounts are one account per role; force roles belong to Kent.
var demoAccounts = []struct {
	name  string
	role  safeguard.Role
	force string
}{
	{"admin", safeguard.RoleAdmin, ""},
	{"coordinator", safeguard.RoleCoordinator, ""},
	{"analyst", safeguard.RoleAnalyst, ""},
	{"supervisor", safeguard.RoleSupervisor, "KNT"},
	{"investigator", safeguard.RoleInvestigator, "KNT"},
	{"auditor", safeguard.RoleAuditor, ""},
}

// Seed fills an empty database with synthetic data and creates one account
// per role. On a database it has seeded before it leaves the data alone. In
// both cases it gives every demo account a fresh password, returned in the
// logins, so the printed passwords always work.
func Seed(ctx context.Context, svc Services, opt Options) ([]Login, error) {
	ctx = safeguard.NewContextWithActor(ctx, safeguard.SystemActor("demo-seed"))
	if opt.Subjects == 0 {
		opt.Subjects = 200
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	forces, err := svc.Forces.FindForces(ctx)
	if err != nil {
		return nil, err
	}
	if len(forces) == 0 {
		if err := seedData(ctx, svc, opt); err != nil {
			return nil, err
		}
	}
	return seedAccounts(ctx, svc)
}

func seedAccounts(ctx context.Context, svc Services) ([]Login, error) {
	existing, _, err := svc.Users.FindUsers(ctx, safeguard.UserFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	byName := map[string]*safeguard.User{}
	for _, u := range existing {
		byName[u.Name] = u
	}
	var logins []Login
	for _, a := range demoAccounts {
		var id int64
		var once string
		if u, ok := byName[a.name]; ok {
			if once, err = svc.Users.ResetPassword(ctx, u.ID); err != nil {
				return nil, err
			}
			id = u.ID
		} else {
			u := &safeguard.User{Name: a.name, DisplayName: "Demo " + string(a.role), Role: a.role, ForceCode: a.force}
			if once, err = svc.Users.CreateUser(ctx, u); err != nil {
				return nil, fmt.Errorf("demo account %s: %w", a.name, err)
			}
			id = u.ID
		}
		// The demo sets the password itself so a newcomer is not asked to
		// change it; real accounts must change their one-time password.
		pw := "demo-" + once
		if err := svc.Auth.ChangePassword(ctx, id, once, pw); err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.name, err)
		}
		logins = append(logins, Login{Name: a.name, Role: a.role, Force: a.force, Password: pw})
	}
	return logins, nil
}

func seedData(ctx context.Context, svc Services, opt Options) error {
	r := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5afe6a4d))
	forces := Forces()
	for _, f := range forces {
		if err := svc.Forces.CreateForce(ctx, f); err != nil {
			return fmt.Errorf("force %s: %w", f.Code, err)
		}
	}
	var subjects []*safeguard.Subject
	for i := range opt.Subjects {
		p := newPerson(r, i, len(forces))
		// The demo gives Kent a larger share so its force users have work.
		if r.IntN(8) == 0 {
			p.force = 19
		}
		s, err := seedSubject(ctx, svc, r, opt.Now, i, p, forces[p.force].Code)
		if err != nil {
			return err
		}
		subjects = append(subjects, s)
	}
	if svc.Operations != nil {
		return seedOperation(ctx, svc, r, opt.Now, subjects)
	}
	return nil
}

func seedSubject(ctx context.Context, svc Services, r *rand.Rand, now time.Time, i int, p person, force string) (*safeguard.Subject, error) {
	status := []string{safeguard.AttrCorroborated, safeguard.AttrCorroborated, safeguard.AttrConfirmed, safeguard.AttrAmbiguous, safeguard.AttrUnresolved}[r.IntN(5)]
	s := &safeguard.Subject{Name: p.name, Address: p.address, ForceCode: force, AttributionStatus: status}
	if err := svc.Subjects.CreateSubject(ctx, s); err != nil {
		return nil, fmt.Errorf("subject %d: %w", i, err)
	}
	n := 1 + r.IntN(3)
	var first int64
	for j := range n {
		ref, err := seedReferral(ctx, svc, r, now, i, j, p, force)
		if err != nil {
			return nil, err
		}
		ev := "first referral for this subject"
		if j == 0 {
			first = ref.ID
		} else {
			ev = fmt.Sprintf("shares e-mail and username with referral %d (blind index match)", first)
		}
		if err := svc.Subjects.LinkReferral(ctx, safeguard.SubjectLink{SubjectID: s.ID, ReferralID: ref.ID, Evidence: ev}); err != nil {
			return nil, fmt.Errorf("link subject %d: %w", i, err)
		}
	}
	if svc.Risk != nil {
		return s, seedFacts(ctx, svc.Risk, r, s.ID, p)
	}
	a := assess(r, now, s.ID, p, n)
	if err := svc.Assessments.CreateAssessment(ctx, a); err != nil {
		return nil, fmt.Errorf("assessment %d: %w", i, err)
	}
	s.Band = a.Band
	return s, nil
}

// seedFacts records what an analyst might have found about the person:
// access to children for those who have it, and sometimes a history.
func seedFacts(ctx context.Context, rs safeguard.RiskService, r *rand.Rand, subjectID int64, p person) error {
	var facts [][2]string
	if p.childAccess {
		if r.IntN(2) == 0 {
			facts = append(facts, [2]string{"access_to_children.children_in_household", "true"})
		} else {
			job := []string{"scout_leader", "teacher", "sports_coach", "childminder", "youth_worker"}[r.IntN(5)]
			facts = append(facts, [2]string{"access_to_children.occupation", `"` + job + `"`})
		}
	}
	if r.IntN(8) == 0 {
		facts = append(facts, [2]string{"history.prior_iioc_conviction", "true"})
	}
	if r.IntN(15) == 0 {
		facts = append(facts, [2]string{"history.on_sex_offender_register", "true"})
	}
	if r.IntN(10) == 0 {
		facts = append(facts, [2]string{"history.other_convictions", fmt.Sprint(1 + r.IntN(4))})
	}
	for _, f := range facts {
		e := &safeguard.FactEntry{SubjectID: subjectID, Path: f[0], Value: f[1], Note: "synthetic demo entry"}
		if err := rs.RecordFact(ctx, e); err != nil {
			return fmt.Errorf("fact %s: %w", f[0], err)
		}
	}
	return nil
}

func seedReferral(ctx context.Context, svc Services, r *rand.Rand, now time.Time, i, j int, p person, force string) (*safeguard.Referral, error) {
	source := []string{safeguard.SourceCyberTip, safeguard.SourceCyberTip, safeguard.SourceP2P, safeguard.SourceHotline}[r.IntN(4)]
	at := now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour).Truncate(time.Second)
	ref := &safeguard.Referral{
		Source:       source,
		SourceRef:    fmt.Sprintf("SYN-%s-%05d-%d", source, i, j),
		Format:       "json",
		ReceivedAt:   at.Add(time.Duration(r.IntN(72)) * time.Hour),
		IncidentAt:   &at,
		IncidentType: incidentTypes[r.IntN(len(incidentTypes))],
		Platform:     platforms[r.IntN(len(platforms))],
		Escalated:    r.IntN(10) == 0,
		ForceCode:    force,
		Identifiers: []safeguard.Identifier{
			{Kind: safeguard.IdentEmail, Value: p.email},
			{Kind: safeguard.IdentUsername, Value: p.username},
		},
	}
	if r.IntN(2) == 0 {
		ref.Identifiers = append(ref.Identifiers, safeguard.Identifier{Kind: safeguard.IdentPhone, Value: p.phone})
	}
	for k := range 1 + r.IntN(3) {
		ip := randomIP(r)
		t := at.Add(time.Duration(k) * time.Minute)
		ev := safeguard.IPEvent{IP: ip, TimeText: t.Format(time.RFC3339), At: &t, HasOffset: true, EventType: "upload"}
		if r.IntN(8) == 0 {
			// Some sources send local times without an offset: kept as
			// received and flagged, never assumed to be UTC.
			ev.TimeText, ev.At, ev.HasOffset = t.Format("2006-01-02T15:04:05"), nil, false
		}
		if safeguard.CGNAT.Contains(ip) && r.IntN(3) > 0 || r.IntN(4) == 0 {
			port := 1024 + r.IntN(64000)
			ev.Port = &port
		}
		ref.IPEvents = append(ref.IPEvents, ev)
	}
	for range 1 + r.IntN(4) {
		viewed := r.IntN(3) > 0
		f := safeguard.File{
			Name: fmt.Sprintf("file%04d.jpg", r.IntN(10000)), Size: int64(20000 + r.IntN(2000000)),
			MD5: randomHex(r, 32), SHA1: randomHex(r, 40), SHA256: randomHex(r, 64), ViewedByESP: &viewed,
			Classification: []string{"", "", "", "A1", "A2", "B1", "B2", "B2"}[r.IntN(8)],
		}
		if r.IntN(20) == 0 {
			f.Annotations = []string{fileAnnotations[r.IntN(len(fileAnnotations))]}
		}
		ref.Files = append(ref.Files, f)
	}
	doc, err := json.Marshal(ref)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(doc)
	ref.Document, ref.DocumentSHA256 = doc, hex.EncodeToString(sum[:])
	if _, err := svc.Referrals.CreateReferral(ctx, ref); err != nil {
		return nil, fmt.Errorf("referral %s: %w", ref.SourceRef, err)
	}
	return ref, nil
}

// incidentTypes are CyberTipline incident types, weighted as a queue might
// see them: mostly images, one in twenty enticement or obscene messages.
var incidentTypes = func() []string {
	t := make([]string, 40)
	for i := range t {
		t[i] = "Child Pornography (possession, manufacture, and distribution)"
	}
	t[0] = "Online Enticement of Children for Sexual Acts"
	t[1] = "Unsolicited Obscene Material Sent to a Child"
	return t
}()

// fileAnnotations are NCMEC file annotations a demo file may carry.
var fileAnnotations = []string{"potentialMeme", "potentialMeme", "viral", "viral", "physicalHarm", "infant"}

// assess makes a plausible assessment for the demo. The real risk policy
// engine replaces this; the trace says so.
func assess(r *rand.Rand, now time.Time, subjectID int64, p person, referrals int) *safeguard.Assessment {
	a := &safeguard.Assessment{SubjectID: subjectID, PolicyVersion: "demo-seed-1", AssessedBy: "system:demo-seed"}
	switch {
	case p.childAccess:
		a.Band, a.DueAt = safeguard.BandImmediate, now.Add(24*time.Hour)
		a.Trace = append(a.Trace, safeguard.RuleFired{Rule: "access_to_children", Effect: "band=immediate", Reason: "synthetic: lives with or has contact with children"})
	case referrals >= 3:
		a.Band, a.DueAt = safeguard.BandHigh, now.Add(7*24*time.Hour)
		a.Trace = append(a.Trace, safeguard.RuleFired{Rule: "repeat_referrals", Effect: "band>=high", Reason: fmt.Sprintf("synthetic: %d linked referrals", referrals)})
	case r.IntN(5) == 0:
		a.Band, a.DueAt = safeguard.BandHigh, now.Add(7*24*time.Hour)
		a.Trace = append(a.Trace, safeguard.RuleFired{Rule: "distribution", Effect: "band>=high", Reason: "synthetic: shared files with others"})
	case r.IntN(2) == 0:
		a.Band, a.DueAt = safeguard.BandMedium, now.Add(28*24*time.Hour)
		a.Trace = append(a.Trace, safeguard.RuleFired{Rule: "possession", Effect: "band>=medium", Reason: "synthetic: possession only"})
	default:
		a.Band, a.DueAt = safeguard.BandLow, now.Add(90*24*time.Hour)
		a.Trace = append(a.Trace, safeguard.RuleFired{Rule: "baseline", Effect: "band=low", Reason: "synthetic: no aggravating factor"})
	}
	a.DueAt = a.DueAt.Add(-time.Duration(r.IntN(48)) * time.Hour).Truncate(time.Minute)
	return a
}

func seedOperation(ctx context.Context, svc Services, r *rand.Rand, now time.Time, subjects []*safeguard.Subject) error {
	op := &safeguard.Operation{Code: "OP-LANTERN", Name: "Operation Lantern (synthetic)", StartsAt: now.Add(-36 * time.Hour).Truncate(time.Hour)}
	if err := svc.Operations.CreateOperation(ctx, op); err != nil {
		return fmt.Errorf("operation: %w", err)
	}
	for i, s := range subjects {
		if i%3 != 0 {
			continue
		}
		// Synthetic people share identifiers and addresses across forces,
		// as real ones do: the seeder confirms coordination (audited).
		p := &safeguard.Package{OperationID: op.ID, SubjectID: s.ID, ForceCode: s.ForceCode, Coordinated: true}
		if err := svc.Operations.SendPackage(ctx, p); err != nil {
			return fmt.Errorf("package: %w", err)
		}
		if r.IntN(4) == 0 {
			continue // not yet answered
		}
		if _, err := svc.Operations.AnswerPackage(ctx, p.ID, safeguard.PackageAccepted, ""); err != nil {
			return fmt.Errorf("accept package: %w", err)
		}
		if err := seedActions(ctx, svc, r, op.StartsAt, p.ID, s); err != nil {
			return err
		}
	}
	return nil
}

func seedActions(ctx context.Context, svc Services, r *rand.Rand, start time.Time, pkg int64, s *safeguard.Subject) error {
	t := start.Add(time.Duration(r.IntN(30)) * time.Hour)
	steps := []safeguard.Action{{Kind: safeguard.ActWarrantApplied}, {Kind: safeguard.ActWarrantGranted}, {Kind: safeguard.ActWarrantExecuted},
		{Kind: safeguard.ActSearch}, {Kind: safeguard.ActDevicesSeized, Count: 1 + r.IntN(6)}, {Kind: safeguard.ActArrest}}
	if s.Band == safeguard.BandImmediate || r.IntN(5) == 0 {
		// (With the risk engine the band comes later; a fifth of packages
		// still record children safeguarded.)
		steps = append(steps, safeguard.Action{Kind: safeguard.ActChildrenSafeguarded, Count: 1 + r.IntN(3)},
			safeguard.Action{Kind: safeguard.ActSocialCareReferral})
	}
	n := 1 + r.IntN(len(steps))
	for k := range steps[:n] {
		a := steps[k]
		a.PackageID, a.At, a.Coordinated = pkg, t.Add(time.Duration(k*40)*time.Minute), true
		if safeguard.IsWarrant(a.Kind) && s.AttributionStatus != safeguard.AttrCorroborated {
			a.OverrideReason = "synthetic: single event corroborated by the provider's account data"
		}
		if _, err := svc.Operations.RecordAction(ctx, &a); err != nil {
			return fmt.Errorf("action %s: %w", a.Kind, err)
		}
	}
	return nil
}
