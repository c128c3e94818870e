package contract

// DiffReport compares two saved runs as a report whose only content is the drift.
func DiffReport(before, after *SavedRun, beforeFile string, strictMode bool) *Report {
	rep := &Report{Tool: "glcontract", RunID: after.RunID, Target: after.Target, StartedAt: after.SavedAt,
		Write: after.Write, Strict: strictMode, Steps: []StepResult{}, Findings: []Finding{}, run: after, diff: true}
	rep.CompareWith(before, beforeFile)
	rep.finish()
	return rep
}
