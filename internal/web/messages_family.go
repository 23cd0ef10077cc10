package web

// familyMessages are the words of family profiles and the switcher:
// {Vietnamese, English}.
var familyMessages = map[string][2]string{
	"family.banner":        {"Đang dùng hồ sơ của:", "Using the profile of:"},
	"family.banner_you":    {"(bạn)", "(you)"},
	"family.banner_change": {"Đổi", "Change"},

	"family.title":          {"Hồ sơ người thân", "Family profiles"},
	"family.intro":          {"Bạn có thể khai báo, quét QR và xem sổ sức khỏe thay cho con nhỏ và người thân lớn tuổi. Mỗi lần bạn xem hồ sơ của họ đều được ghi vào nhật ký truy cập của họ.", "You can declare, check in and see the health wallet for your children and elderly relatives. Each time you look at their profile it is written on their access log."},
	"family.you":            {"Bạn", "You"},
	"family.born":           {"sinh năm %d", "born %d"},
	"family.active":         {"Đang dùng", "In use"},
	"family.use":            {"Dùng hồ sơ này", "Use this profile"},
	"family.add":            {"Thêm người thân", "Add a relative"},
	"family.src_healthbook": {"Từ Sổ sức khỏe điện tử", "From the electronic health book"},
	"family.src_family":     {"Bạn đã thêm", "Added by you"},
	"family.added":          {"Đã thêm %s. Bấm “Dùng hồ sơ này” để làm việc thay họ.", "%s is added. Tap “Use this profile” to act for them."},
	"family.switched":       {"Bạn đang dùng hồ sơ của %s.", "You are now using %s's profile."},

	"family.add_title":       {"Thêm người thân", "Add a relative"},
	"family.by_number":       {"Người có CCCD hoặc CMND", "Someone with a CCCD or CMND"},
	"family.by_number_intro": {"Nhập số CCCD (12 số, cũng là số định danh cá nhân của trẻ em) hoặc số CMND cũ (9 số) và ngày sinh của người thân. Thông tin phải khớp với Cơ sở dữ liệu quốc gia về dân cư.", "Enter your relative's CCCD (12 digits — also a child's personal identification number) or old CMND (9 digits) and birth date. They must match the national population database."},
	"family.id_number":       {"Số CCCD hoặc CMND", "CCCD or CMND number"},
	"family.birth_date":      {"Ngày sinh (ngày/tháng/năm)", "Birth date (day/month/year)"},
	"family.add_submit":      {"Thêm", "Add"},
	"family.child":           {"Trẻ dưới 14 tuổi chưa có CCCD", "A child under 14 without a CCCD"},
	"family.child_intro":     {"Chọn trẻ trong sổ hộ khẩu của bạn và nhập ngày sinh của trẻ.", "Choose the child in your household book and enter their birth date."},
	"family.child_pick":      {"Trẻ trong hộ gia đình", "Child of your household"},
	"family.no_children":     {"Không có trẻ dưới 14 tuổi nào khác trong sổ hộ khẩu của bạn.", "No other child under 14 in your household book."},
	"family.add_child":       {"Thêm trẻ", "Add the child"},
	"family.need_person":     {"Hãy xác nhận danh tính của bạn trước khi thêm người thân.", "Confirm who you are before you add relatives."},
	"family.audit":           {"Việc thêm được ghi vào nhật ký truy cập của người thân.", "The addition is written on your relative's access log."},
}
