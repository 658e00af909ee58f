// Package intake turns referral documents as received (CyberTipline XML,
// JSON referrals, JSON lines and CSV bulk files) into stored referrals.
// Referrals are committed in batches and counted only once their batch has
// committed, so an interrupted run can simply be repeated: referrals are
// idempotent on (source, source_ref).
//
// It must never keep a partial referral, log personal data, or drop a
// document without saying where and why.
package intake
