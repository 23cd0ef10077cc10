package web

// riskMessages are the words of the console's status-rules page:
// {Vietnamese, English}.
var riskMessages = map[string][2]string{
	"rules.title":               {"Quy định màu thẻ", "Status rules"},
	"rules.tile":                {"Quy định màu thẻ", "Status rules"},
	"rules.intro":               {"Màu thẻ của người dân được tính theo quy định đang áp dụng tại tỉnh/thành phố nơi họ thường trú; quy định của tỉnh thay cho quy định toàn quốc từ ngày áp dụng. Quy định đã ban hành không sửa được: hãy thêm phiên bản mới.", "A person's status follows the rules in force in their home province; a province's rules replace the country's from their start date. Rules are never edited: add a new version."},
	"rules.versions":            {"Các phiên bản", "Versions"},
	"rules.in_force":            {"Đang áp dụng", "In force"},
	"rules.name":                {"Tên quy định", "Name"},
	"rules.scope":               {"Địa bàn", "Area"},
	"rules.from":                {"Áp dụng từ", "From"},
	"rules.green":               {"Thẻ xanh", "Green"},
	"rules.yellow":              {"Thẻ vàng", "Yellow"},
	"rules.red":                 {"Thẻ đỏ", "Red"},
	"rules.by":                  {"Người ban hành", "Set by"},
	"rules.summary_green":       {"%d mũi (hoặc 1 mũi %s), sau %d ngày; khỏi bệnh trong %d ngày", "%d doses (or 1 of %s), after %d days; recovered within %d days"},
	"rules.summary_yellow":      {"1 mũi sau %d ngày; xét nghiệm âm tính (%s) trong %d giờ", "1 dose after %d days; negative test (%s) within %d hours"},
	"rules.summary_red":         {"%d ngày sau xét nghiệm dương tính", "%d days after a positive test"},
	"rules.new":                 {"Thêm phiên bản mới", "Add a new version"},
	"rules.no_authority":        {"Chỉ quản trị viên và cán bộ y tế cấp tỉnh trở lên đặt được quy định.", "Only administrators and health officials of a province or the country set rules."},
	"rules.days_after_dose":     {"Số ngày sau mũi tiêm thì được tính", "Days after a dose before it counts"},
	"rules.doses_needed":        {"Số mũi cho đủ liều", "Doses for a full course"},
	"rules.one_dose_products":   {"Vắc xin chỉ cần 1 mũi", "One-dose vaccines"},
	"rules.recovery_days":       {"Số ngày sau khi khỏi bệnh được thẻ xanh (0: không tính)", "Days after recovery that are green (0: not counted)"},
	"rules.negative_test_hours": {"Số giờ xét nghiệm âm tính được thẻ vàng (0: không tính)", "Hours a negative test is yellow (0: not counted)"},
	"rules.test_types":          {"Loại xét nghiệm được tính", "Test types that count"},
	"rules.positive_test_days":  {"Số ngày thẻ đỏ sau xét nghiệm dương tính (0: không dùng)", "Days red after a positive test (0: not used)"},
	"rules.save":                {"Ban hành phiên bản mới", "Issue the new version"},
	"rules.added":               {"Đã thêm phiên bản mới. Thẻ của người dân sẽ theo quy định này từ ngày áp dụng.", "The new version is added. Cards follow it from its start date."},
	"rules.audit":               {"Việc ban hành được ghi vào nhật ký kiểm toán.", "Issuing is recorded in the audit trail."},
}
