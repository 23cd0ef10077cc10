package web

// feedbackMessages are the words of citizens' reports (phản ánh) and of
// their handling in the console: {Vietnamese, English}.
var feedbackMessages = map[string][2]string{
	"nav.feedback": {"Phản ánh", "Report"},

	"feedback.title":                  {"Phản ánh", "Report a problem"},
	"feedback.intro":                  {"Báo cho chính quyền phường, xã những việc có nguy cơ lây dịch. Cán bộ không biết ai đã phản ánh; câu trả lời sẽ đến hộp thư của bạn.", "Tell the ward authorities about something that risks spreading the disease. Officers do not see who reported; the answer comes to your messages."},
	"feedback.new":                    {"Gửi phản ánh mới", "Send a new report"},
	"feedback.mine":                   {"Các phản ánh của bạn", "Your reports"},
	"feedback.none":                   {"Bạn chưa gửi phản ánh nào.", "You have not sent any report."},
	"feedback.category":               {"Bạn muốn phản ánh việc gì?", "What do you want to report?"},
	"feedback.place":                  {"Nơi xảy ra", "Where it happens"},
	"feedback.text":                   {"Mô tả (địa chỉ cụ thể, thời gian, sự việc)", "Describe it (exact address, time, what happens)"},
	"feedback.send":                   {"Gửi phản ánh", "Send the report"},
	"feedback.sent":                   {"Đã gửi phản ánh. Bạn sẽ nhận được trả lời trong mục Thông báo.", "Report sent. The answer will come to your messages."},
	"feedback.answer":                 {"Trả lời của chính quyền", "The authorities' answer"},
	"feedback.answered_at":            {"Trả lời lúc %s", "Answered at %s"},
	"feedback.no_answer":              {"Chưa có trả lời.", "No answer yet."},
	"feedback.inbox_title":            {"Phản ánh của bạn đã được trả lời", "Your report has been answered"},
	"feedback.cat.crowding":           {"Tụ tập đông người", "Crowding"},
	"feedback.cat.no_mask":            {"Không đeo khẩu trang", "People without masks"},
	"feedback.cat.quarantine_breach":  {"Vi phạm cách ly", "Quarantine breach"},
	"feedback.cat.venue_not_checking": {"Địa điểm không quét mã QR", "Venue not checking people in"},
	"feedback.cat.other":              {"Việc khác", "Something else"},
	"feedback.status.open":            {"Đang chờ xử lý", "Waiting"},
	"feedback.status.answered":        {"Đã trả lời", "Answered"},
	"feedback.status.closed":          {"Đã xử lý xong", "Closed"},

	"console.feedback":        {"Phản ánh của người dân", "Citizens' reports"},
	"cfeedback.title":         {"Phản ánh của người dân", "Citizens' reports"},
	"cfeedback.intro":         {"Phản ánh về các phường, xã trong địa bàn của bạn. Người phản ánh được giữ kín.", "Reports about the wards of your area. Who reported stays confidential."},
	"cfeedback.filter.open":   {"Cần xử lý", "To handle"},
	"cfeedback.filter.closed": {"Đã xong", "Closed"},
	"cfeedback.filter.all":    {"Tất cả", "All"},
	"cfeedback.none":          {"Không có phản ánh nào.", "No reports."},
	"cfeedback.report":        {"Phản ánh", "Report"},
	"cfeedback.received":      {"Nhận lúc %s", "Received at %s"},
	"cfeedback.answer":        {"Trả lời người dân", "Answer the citizen"},
	"cfeedback.close":         {"Đã xử lý xong, đóng phản ánh", "Handled: close the report"},
	"cfeedback.send":          {"Gửi trả lời", "Send the answer"},
	"cfeedback.only_commune":  {"Phản ánh do cán bộ phường, xã xử lý.", "Reports are handled by commune officers."},
}
