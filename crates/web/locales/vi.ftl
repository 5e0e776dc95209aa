site-name = Đường dây nóng Công an
site-tagline = Tiếp nhận tin báo, tố giác, phản ánh của người dân 24/7
lang-switch = English
skip-to-content = Chuyển đến nội dung

emergency-title = Khẩn cấp?
emergency-body = Nếu có nguy hiểm đến tính mạng hoặc tội phạm đang xảy ra, hãy gọi ngay
emergency-call = Gọi 113
emergency-other = Cứu hỏa, cứu nạn: 114 · Cấp cứu y tế: 115

home-title = Báo tin cho Công an, bất kể ngày đêm
home-lead = Bạn có thể báo tin về tội phạm, vi phạm pháp luật, các vấn đề an ninh trật tự, hoặc phản ánh hành vi sai phạm của cán bộ công an. Mọi tin báo đều được tiếp nhận, ghi sổ và chuyển đến đơn vị có thẩm quyền xử lý.
home-cta = Gửi tin báo
home-how-title = Cách thức
home-how-1 = Viết điều bạn biết: việc gì, ở đâu, khi nào.
home-how-2 = Bạn có thể ẩn danh. Nếu để lại liên lạc, thông tin của bạn được giữ bí mật theo quy định của pháp luật.
home-how-3 = Bạn nhận được số hồ sơ và mã tra cứu bí mật để theo dõi kết quả.
home-confidential = Thông tin về người báo tin được bảo mật. Chỉ cán bộ có thẩm quyền mới được xem, và mọi lần xem đều được ghi lại.

form-title = Gửi tin báo
form-intro = Hãy mô tả sự việc càng cụ thể càng tốt. Các mục có dấu * là bắt buộc.
form-text = Nội dung sự việc *
form-text-hint = Việc gì đã xảy ra, ở đâu, khi nào, ai liên quan. Tối đa 20.000 ký tự.
form-place = Địa điểm (không bắt buộc)
form-province = Tỉnh, thành phố
form-province-unknown = — Không rõ —
form-commune = Xã, phường, đặc khu
form-commune-hint = Gõ tên, có dấu hay không dấu đều được, ví dụ: ha long
form-address = Địa chỉ cụ thể
form-identity = Thông tin của bạn
form-anonymous = Gửi ẩn danh (không để lại thông tin)
form-with-contact = Để lại thông tin liên lạc để cơ quan công an liên hệ khi cần
form-name = Họ và tên
form-phone = Số điện thoại
form-email = Thư điện tử
form-confidential = Cam kết bảo mật: danh tính của người báo tin được giữ bí mật theo Bộ luật Tố tụng hình sự và Luật Tố cáo. Cán bộ xử lý chỉ thấy bí danh; việc xem danh tính cần thẩm quyền, lý do và được ghi nhật ký.
form-warning = Lưu ý: người nào cố ý tố giác, báo tin về tội phạm sai sự thật thì tùy tính chất, mức độ có thể bị xử lý kỷ luật, xử phạt vi phạm hành chính hoặc truy cứu trách nhiệm hình sự (Điều 144 khoản 5 Bộ luật Tố tụng hình sự).
form-submit = Gửi tin báo
form-errors = Chưa gửi được. Vui lòng sửa các mục sau:

receipt-title = Đã tiếp nhận tin báo
receipt-lead = Tin báo của bạn đã được lưu và sẽ được chuyển đến đơn vị có thẩm quyền.
receipt-case = Số hồ sơ
receipt-code = Mã tra cứu bí mật
receipt-keep = Hãy chép lại hoặc chụp màn hình mã tra cứu. Mã này là cách duy nhất để bạn theo dõi và bổ sung thông tin; chúng tôi không thể cấp lại mã.
receipt-again = Gửi tin báo khác

field-text-required = Vui lòng nhập nội dung sự việc.
field-text-too_long = Nội dung quá dài (tối đa 20.000 ký tự).
field-province_code-unknown = Tỉnh, thành phố không có trong danh sách.
field-commune_code-unknown = Không tìm thấy xã, phường này.
field-commune_code-not_in_province = Xã, phường này không thuộc tỉnh, thành phố đã chọn.
field-commune-unknown = Không tìm thấy xã, phường có tên này trong tỉnh, thành phố đã chọn.
field-commune-ambiguous = Có nhiều xã, phường trùng tên này; vui lòng chọn tỉnh, thành phố hoặc ghi đầy đủ tên.
field-commune-needs_province = Vui lòng chọn tỉnh, thành phố trước khi ghi xã, phường.
field-address-too_long = Địa chỉ quá dài.
field-contact_name-too_long = Họ tên quá dài.
field-contact_phone-invalid = Số điện thoại không hợp lệ.
field-contact_email-invalid = Địa chỉ thư điện tử không hợp lệ.
field-anonymous-contradicts_contact = Bạn đã chọn ẩn danh nhưng vẫn điền thông tin liên lạc.
field-generic = Giá trị không hợp lệ.

login-title = Đăng nhập cán bộ
login-username = Tên đăng nhập
login-password = Mật khẩu
login-submit = Đăng nhập
login-failed = Tên đăng nhập hoặc mật khẩu không đúng.
login-throttled = Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau { $seconds } giây.
logout = Đăng xuất
staff-link = Cán bộ đăng nhập

inbox-title = Hộp tin đến
inbox-empty = Chưa có tin báo nào trong phạm vi của bạn.
inbox-no-scope = Tài khoản quản trị không xem nội dung tin báo.
inbox-count = { $count } tin báo mới nhất
col-case = Số hồ sơ
col-received = Tiếp nhận
col-channel = Kênh
col-status = Trạng thái
col-urgency = Mức độ
col-unit = Đơn vị
col-summary = Tóm tắt

report-title = Hồ sơ { $case }
report-back = ← Hộp tin đến
report-details = Thông tin chung
report-place = Địa điểm
report-place-unknown = Không rõ
report-address = Địa chỉ
report-reporter = Người báo tin
report-anonymous = Ẩn danh
report-has-contact = Có để lại liên lạc (được bảo mật)
report-messages = Nội dung trao đổi
report-inbound = Người dân
report-outbound = Cán bộ
report-events = Lịch sử xử lý
event-report_received = Tiếp nhận tin báo

channel-web = Trang web
channel-api = API
channel-capture = Cán bộ ghi nhận
channel-phone = Điện thoại
channel-sms = SMS
channel-email = Thư điện tử
channel-zalo = Zalo
channel-whatsapp = WhatsApp
channel-messenger = Messenger
channel-instagram = Instagram
channel-telegram = Telegram
channel-x = X
channel-threads = Threads
channel-tiktok = TikTok

status-received = Mới tiếp nhận
status-triaged = Đã phân loại
status-in_progress = Đang xử lý
status-transferred = Đã chuyển
status-closed = Đã kết thúc

urgency-emergency = Khẩn cấp
urgency-urgent = Gấp
urgency-normal = Bình thường
urgency-low = Thấp

error-title = Có lỗi xảy ra
error-request-id = Mã yêu cầu (cung cấp khi cần hỗ trợ)
error-back-home = Về trang chủ
error-bad-request = Yêu cầu không hợp lệ.
error-bad-encoding = Dữ liệu gửi lên không đúng mã UTF-8. Vui lòng gửi lại từ trình duyệt.
error-too-large = Dữ liệu gửi lên quá lớn.
error-not-found = Không tìm thấy trang này.
error-forbidden = Yêu cầu bị từ chối: trang gửi đi không thuộc hệ thống này.
error-rate-limited = Bạn đã gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút. Nếu khẩn cấp, hãy gọi 113.
error-unavailable = Hệ thống đang khởi động hoặc tạm dừng. Vui lòng thử lại sau ít phút. Nếu khẩn cấp, hãy gọi 113.
error-internal = Hệ thống gặp sự cố và chưa lưu được yêu cầu của bạn. Vui lòng thử lại. Nếu khẩn cấp, hãy gọi 113.

footer-demo-note = Hệ thống Hotline: phần mềm tiếp nhận tin báo của người dân.
