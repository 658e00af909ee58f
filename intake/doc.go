// Package intake turns referral documents as received (CyberTipline XML,
// JSON referrals, JSON lines files) into stored referrals. Every accepted
// referral is committed before the next is read, so an interrupted run can
// simply be repeated: referrals are idempotent on (source, source_ref).
//
// It must never keep a partial referral, log personal data, or drop a
// document without saying where and why.
package intake
