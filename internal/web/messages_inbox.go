package web

// inboxMessages are the words of the citizen's inbox and the console's
// notice form: {Vietnamese, English}.
var inboxMessages = map[string][2]string{
	"nav.inbox": {"Thông báo", "Messages"},

	"inbox.title":         {"Thông báo", "Messages"},
	"inbox.intro":         {"Thông báo của cơ quan chức năng gửi cho bạn: kết quả, lệnh cách ly, cảnh báo tiếp xúc, trả lời phản ánh.", "What the authorities send you: results, quarantine orders, exposure warnings, answers to your reports."},
	"inbox.none":          {"Chưa có thông báo nào.", "No messages yet."},
	"inbox.unread":        {"Chưa đọc", "Unread"},
	"inbox.mark_read":     {"Đánh dấu đã đọc", "Mark as read"},
	"inbox.mark_all":      {"Đánh dấu tất cả đã đọc", "Mark all as read"},
	"inbox.more":          {"Xem chi tiết", "See more"},
	"inbox.from":          {"Gửi bởi %s", "From %s"},
	"inbox.from_platform": {"Hệ thống PC-Covid", "The PC-Covid system"},
	"inbox.to_area":       {"Gửi tới mọi người ở %s", "Sent to everyone in %s"},

	"inbox.cat.notice":      {"Thông báo", "Notice"},
	"inbox.cat.exposure":    {"Cảnh báo tiếp xúc", "Exposure warning"},
	"inbox.cat.quarantine":  {"Cách ly", "Quarantine"},
	"inbox.cat.result":      {"Kết quả", "Result"},
	"inbox.cat.declaration": {"Khai báo y tế", "Health declaration"},
	"inbox.cat.feedback":    {"Phản ánh", "Report"},

	"console.notices":      {"Gửi thông báo cho người dân", "Send a notice to citizens"},
	"notice.title":         {"Gửi thông báo", "Send a notice"},
	"notice.intro":         {"Thông báo đến hộp thư trong ứng dụng của người dân. Mỗi lần gửi được ghi vào nhật ký truy cập.", "Notices reach the citizen's inbox in the app. Every notice is recorded in the audit trail."},
	"notice.to_person":     {"Gửi cho một người", "To one person"},
	"notice.to_ward":       {"Gửi cho mọi người trong một phường, xã", "To everyone in a ward"},
	"notice.find":          {"Tìm người nhận", "Find the recipient"},
	"notice.pick":          {"Chọn người nhận", "Choose the recipient"},
	"notice.ward":          {"Phường, xã nhận thông báo", "Ward that receives it"},
	"notice.title_vi":      {"Tiêu đề (tiếng Việt)", "Title (Vietnamese)"},
	"notice.body_vi":       {"Nội dung (tiếng Việt)", "Text (Vietnamese)"},
	"notice.title_en":      {"Tiêu đề tiếng Anh (nếu có)", "Title in English (optional)"},
	"notice.body_en":       {"Nội dung tiếng Anh (nếu có)", "Text in English (optional)"},
	"notice.send":          {"Gửi thông báo", "Send the notice"},
	"notice.sent_person":   {"Đã gửi thông báo.", "The notice was sent."},
	"notice.sent_ward":     {"Đã gửi thông báo tới mọi người ở %s.", "The notice was sent to everyone in %s."},
	"notice.need_person":   {"Hãy tìm và chọn người nhận", "Find and choose the recipient"},
	"notice.search_person": {"Tìm theo số CCCD, CMND hoặc số điện thoại. Mỗi lần tìm được ghi vào nhật ký.", "Search by CCCD, CMND or phone number. Every search is recorded."},
}
