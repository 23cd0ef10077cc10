package web

// reviewMessages are the words of the takeover's review queue and of the
// taken-over records on a person's page.
var reviewMessages = map[string][2]string{
	"review.title":      {"Đối soát dữ liệu cũ", "Review of taken-over records"},
	"review.pair_title": {"So sánh bản ghi và công dân", "Record and citizen side by side"},
	"review.intro":      {"Các bản ghi dưới đây chưa thể gắn chắc chắn với một công dân. Xem bằng chứng rồi xác nhận hoặc từ chối.", "These records could not be tied to a citizen with certainty. Look at the evidence, then confirm or reject."},
	"review.none":       {"Không còn cặp nào cần đối soát trong địa bàn của bạn.", "No pairs are waiting in your area."},
	"review.record":     {"Bản ghi", "Record"},
	"review.citizen":    {"Công dân trong CSDL dân cư", "Citizen in the population registry"},
	"review.score":      {"Điểm", "Score"},
	"review.evidence":   {"Bằng chứng", "Evidence"},
	"review.confirm":    {"Đúng là người này", "Confirm: same person"},
	"review.reject":     {"Không phải", "Reject: not this person"},
	"review.open":       {"Xem", "Open"},
	"review.name":       {"Họ tên", "Name"},
	"review.birth":      {"Ngày sinh", "Birth date"},
	"review.phones":     {"Điện thoại", "Phones"},
	"review.place":      {"Nơi", "Place"},
	"review.ids":        {"Giấy tờ", "Documents"},
	"review.records":    {"Dữ liệu tiếp nhận từ các ứng dụng cũ", "Records taken over from the old apps"},
	"review.method":     {"Cách gắn", "How it was tied"},
	"console.reviews":   {"Đối soát dữ liệu cũ", "Review taken-over records"},
}
