// Meeting scheduling: people in several time zones with working hours and busy blocks, rooms
// with capacities and features, existing bookings. Any slot that satisfies every constraint
// passes; the verifier checks the one new booking in the final database.
#include <algorithm>
#include <cstdio>
#include <set>

#include "envgen/general/general_env.hpp"
#include "envgen/general/world.hpp"

namespace envforge::general {

namespace {

constexpr int kDay = 1440;
const int kOffsets[] = {-480, -300, -180, 0, 60, 120, 330, 480, 540};
const int kHours[][2] = {{9 * 60, 17 * 60}, {8 * 60, 16 * 60}, {10 * 60, 18 * 60}, {7 * 60 + 30, 15 * 60 + 30}};

std::string hhmm(int minutes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
    return buf;
}
std::string offset_text(int off) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60, std::abs(off) % 60);
    return buf;
}
// Absolute minutes since 1970-01-01T00:00Z <-> "YYYY-MM-DDTHH:MMZ". Returns -1 when malformed.
int64_t parse_utc(const std::string& s) {
    int y, mo, d, h, mi;
    char z = 0;
    if (s.size() != 17 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &z) != 6 || z != 'Z' || mo < 1 || mo > 12 ||
        d < 1 || d > 31 || h > 23 || mi > 59)
        return -1;
    return day_number(y, mo, d) * kDay + h * 60 + mi;
}
std::string utc_string(int64_t abs_minutes) {
    int64_t day = abs_minutes / kDay;
    return date_string(day) + "T" + hhmm(static_cast<int>(abs_minutes % kDay)) + "Z";
}

struct Person {
    std::string name, email, team;
    int offset, work_start, work_end;
};

std::vector<ToolSpec> meeting_tools(int d) {
    std::vector<ToolSpec> t;
    t.push_back(sql_tool("find_person", "A person's email, team, time zone and local working hours.",
                         object_schema({{"name", str_prop("full name")}}, {"name"}),
                         "SELECT name, email, team, utc_offset, work_start, work_end FROM people WHERE name = :name", "row",
                         "no person named '{name}'"));
    t.push_back(
        sql_tool("get_busy", "A person's busy blocks (UTC) that start on a date.",
                 object_schema({{"email", str_prop("email")}, {"date", str_prop("YYYY-MM-DD")}}, {"email", "date"}),
                 "SELECT start_utc, end_utc, label FROM busy WHERE email = :email AND substr(start_utc,1,10) = :date ORDER BY start_utc"));
    t.push_back(sql_tool("get_bookings_for_person", "Room bookings a person attends that start on a date.",
                         object_schema({{"email", str_prop("email")}, {"date", str_prop("YYYY-MM-DD")}}, {"email", "date"}),
                         "SELECT b.id, b.room, b.start_utc, b.end_utc, b.title FROM bookings b JOIN booking_attendees a "
                         "ON a.booking_id = b.id WHERE a.email = :email AND substr(b.start_utc,1,10) = :date ORDER BY b.start_utc"));
    t.push_back(sql_tool(
        "list_rooms", "Rooms in a building with at least a given capacity.",
        object_schema({{"building", str_prop("building name")}, {"min_capacity", int_prop("seats")}}, {"building", "min_capacity"}),
        "SELECT name, capacity, has_video, has_whiteboard FROM rooms WHERE building = :building AND "
        "capacity >= :min_capacity ORDER BY name"));
    t.push_back(sql_tool("get_room_bookings", "Bookings of a room that start on a date (UTC).",
                         object_schema({{"room", str_prop("room name")}, {"date", str_prop("YYYY-MM-DD")}}, {"room", "date"}),
                         "SELECT id, start_utc, end_utc, title FROM bookings WHERE room = :room AND "
                         "substr(start_utc,1,10) = :date ORDER BY start_utc"));
    Json emails = Json::object({{"type", "array"}, {"items", Json::object({{"type", "string"}})}, {"minItems", 1}});
    t.push_back(op_tool("book_meeting", "Book a room (fails if the room is taken). start_utc is YYYY-MM-DDTHH:MMZ.",
                        object_schema({{"room", str_prop("room name")},
                                       {"start_utc", str_prop("YYYY-MM-DDTHH:MMZ")},
                                       {"duration_minutes", Json::object({{"type", "integer"}, {"minimum", 15}, {"maximum", 480}})},
                                       {"title", str_prop("meeting title")},
                                       {"attendees", emails}},
                                      {"room", "start_utc", "duration_minutes", "title", "attendees"}),
                        "book_meeting"));
    if (d >= 3)
        t.push_back(op_tool("cancel_booking", "Cancel a booking by id.",
                            object_schema({{"booking_id", int_prop("booking id")}}, {"booking_id"}), "cancel_booking"));
    if (d >= 4)
        t.push_back(
            sql_tool("list_buildings", "All buildings.", object_schema({}, {}), "SELECT DISTINCT building FROM rooms ORDER BY building"));
    t.push_back(submit_tool("Finish with the id of the booking you made.",
                            object_schema({{"booking_id", int_prop("the new booking's id")}}, {"booking_id"})));
    return t;
}

const char* const kRoomWords[] = {"Fjord", "Cedar", "Quartz", "Lantern", "Meadow", "Comet", "Harbor", "Summit"};
std::string room_name(Rng& r) { return std::string(r.pick(kRoomWords)) + " " + std::to_string(r.range(1, 9)); }

bool overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1) { return a0 < b1 && b0 < a1; }

}  // namespace

namespace {

const char* const kTeams[] = {"Platform", "Research", "Sales", "Design", "Finance"};
const char* const kBusyLabels[] = {"focus time", "1:1", "customer call", "standup", "lunch", "review"};
const char* const kTitles[] = {"Roadmap", "Launch", "Incident", "Pricing", "Onboarding"};

// Everything a meeting task is made of, filled stage by stage; each stage draws from its own
// stream (stage_rng), so the stages are independent of each other's draws.
struct MeetingBuild {
    int d = 1;
    std::set<std::string> names;  // every generated name, unique across stages
    int64_t date_day = 0, base = 0;
    std::string date, building, title, room, small;
    int dur = 30, slot = 0, n_att = 2, seats = 2;
    bool need_video = false;
    std::vector<Person> people;  // the attendees, others, and last the other request's attendee
    std::vector<std::string> buildings;
    int64_t next_booking = 501;
    Table t_people{"people",
                   {{"name", "TEXT"},
                    {"email", "TEXT"},
                    {"team", "TEXT"},
                    {"utc_offset", "TEXT"},
                    {"offset_minutes", "INTEGER"},
                    {"work_start", "TEXT"},
                    {"work_end", "TEXT"}},
                   {}};
    Table t_busy{"busy", {{"email", "TEXT"}, {"start_utc", "TEXT"}, {"end_utc", "TEXT"}, {"label", "TEXT"}}, {}};
    Table t_rooms{
        "rooms",
        {{"name", "TEXT"}, {"building", "TEXT"}, {"capacity", "INTEGER"}, {"has_video", "INTEGER"}, {"has_whiteboard", "INTEGER"}},
        {}};
    Table t_book{
        "bookings",
        {{"id", "INTEGER"}, {"room", "TEXT"}, {"start_utc", "TEXT"}, {"end_utc", "TEXT"}, {"title", "TEXT"}, {"organizer", "TEXT"}},
        {}};
    Table t_att{"booking_attendees", {{"booking_id", "INTEGER"}, {"email", "TEXT"}}, {}};

    bool attends(size_t i) const { return i < static_cast<size_t>(n_att) || i + 1 == people.size(); }
    std::string add_room(Rng& rng, const std::string& b, int cap, bool video) {
        std::string n = unique_name(rng, names, room_name);
        t_rooms.add({n, b, int64_t{cap}, int64_t{video ? 1 : 0}, int64_t{rng.chance(50) ? 1 : 0}});
        return n;
    }
    void add_booking(const std::string& r, int start, int len, const std::string& what, const std::string& who) {
        const int64_t id = next_booking++;
        t_book.add({id, r, utc_string(base + start), utc_string(base + start + len), what, who});
        t_att.add({id, who});
    }
};

// Stage "request": the date, the slot (minutes after 00:00 UTC), the duration, the attendee
// count, the seats and video asked for, and the title.
void draw_request(MeetingBuild& b, Rng rng) {
    const int d = b.d;
    b.date_day = day_number(2026, static_cast<int>(rng.range(1, 12)), static_cast<int>(rng.range(1, 28)));
    b.date = date_string(b.date_day);
    b.base = b.date_day * kDay;
    b.dur = d <= 1 ? 30 : d <= 3 ? 60 : 90;
    b.slot = static_cast<int>(rng.range(8 * 4, 15 * 4)) * 15;
    b.n_att = 2 + d / 2;
    b.need_video = d >= 2;
    b.seats = b.n_att + (d >= 4 ? 2 : 0);
    b.title = std::string(rng.pick(kTitles)) + " review";
}

// A person; an attendee gets a zone and hours in which the planned slot is inside working hours.
Person draw_person(MeetingBuild& b, Rng& rng, bool attendee) {
    Person p;
    p.name = unique_name(rng, b.names, person_name);
    for (char ch : p.name) p.email += ch == ' ' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    p.email += "@corp.example";
    p.team = rng.pick(kTeams);
    const int patterns = b.d >= 3 ? 4 : 1;
    const int pattern = static_cast<int>(rng.below(static_cast<uint64_t>(patterns)));
    p.work_start = kHours[pattern][0];
    p.work_end = kHours[pattern][1];
    p.offset = rng.pick(kOffsets);
    if (attendee) {
        std::vector<std::pair<int, int>> fits;
        for (int pat = 0; pat < patterns; ++pat)
            for (int off : kOffsets) {
                const int local = b.slot + off;
                if (local >= kHours[pat][0] && local + b.dur <= kHours[pat][1]) fits.push_back({pat, off});
            }
        const auto [pat, off] = rng.pick(fits);
        p.work_start = kHours[pat][0];
        p.work_end = kHours[pat][1];
        p.offset = off;
    }
    return p;
}

// Stage "people": the attendees, others, and one more who fits the slot (the attendee of the
// other request a probe plays).
void draw_people(MeetingBuild& b, Rng rng) {
    for (int i = 0; i < b.n_att; ++i) b.people.push_back(draw_person(b, rng, true));
    const Person outsider = draw_person(b, rng, true);
    for (int i = 0; i < 3 + b.d; ++i) b.people.push_back(draw_person(b, rng, false));
    b.people.push_back(outsider);
    for (const auto& p : b.people)
        b.t_people.add({p.name, p.email, p.team, offset_text(p.offset), int64_t{p.offset}, hhmm(p.work_start), hhmm(p.work_end)});
}

// Stage "busy": blocks that never cover the planned slot for attendees; at d >= 3 some touch it
// exactly.
void draw_busy(MeetingBuild& b, Rng rng) {
    for (size_t i = 0; i < b.people.size(); ++i) {
        const bool att = b.attends(i);
        const int blocks = static_cast<int>(rng.range(2, 2 + b.d));
        for (int k = 0; k < blocks; ++k) {
            const int len = static_cast<int>(rng.range(2, 8)) * 15;
            const int start = static_cast<int>(rng.range(0, (kDay - len) / 15)) * 15;
            if (att && overlaps(start, start + len, b.slot, b.slot + b.dur)) continue;
            b.t_busy.add({b.people[i].email, utc_string(b.base + start), utc_string(b.base + start + len), rng.pick(kBusyLabels)});
        }
        if (att && b.d >= 3 && rng.chance(60)) {
            const int s0 = rng.chance(50) ? b.slot - 30 : b.slot + b.dur;
            if (s0 >= 0 && s0 + 30 <= kDay)
                b.t_busy.add({b.people[i].email, utc_string(b.base + s0), utc_string(b.base + s0 + 30), "standup"});
        }
    }
}

// Stage "rooms": the target, a too-small one and (with video) one without video in the target
// building, one booked over the slot, and others elsewhere; the bookings that make the target
// busy right before or after the slot.
void draw_rooms(MeetingBuild& b, Rng rng) {
    b.buildings = {"North Wing", "Atrium", "Harbour House"};
    if (b.d < 3) b.buildings.pop_back();
    b.building = rng.pick(b.buildings);
    b.room = b.add_room(rng, b.building, b.seats + static_cast<int>(rng.range(0, 4)), true);
    b.small = b.add_room(rng, b.building, std::max(1, b.seats - static_cast<int>(rng.range(1, 2))), true);
    if (b.need_video) b.add_room(rng, b.building, b.seats + static_cast<int>(rng.range(0, 4)), false);
    const std::string taken = b.add_room(rng, b.building, b.seats + static_cast<int>(rng.range(0, 6)), true);
    for (int i = 0; i < b.d + 1; ++i) b.add_room(rng, rng.pick(b.buildings), static_cast<int>(rng.range(2, 14)), rng.chance(60));
    std::vector<std::string> others;
    for (size_t i = static_cast<size_t>(b.n_att); i + 1 < b.people.size(); ++i) others.push_back(b.people[i].email);
    b.add_booking(taken, b.slot - 15 * static_cast<int>(rng.range(0, 2)), b.dur + 30, "Quarterly review", rng.pick(others));
    if (b.slot >= 60) b.add_booking(b.room, b.slot - 60, 60, "Design sync", rng.pick(others));
    b.add_booking(b.room, b.slot + b.dur + 15 * static_cast<int>(rng.range(0, 2)), 30, "Hiring debrief", rng.pick(others));
    if (b.d >= 4 && b.slot + b.dur + 45 <= kDay)  // an attendee is in another meeting, seen only in bookings
        b.add_booking(b.small, b.slot + b.dur, 45, "Budget check-in", b.people[0].email);
}

std::string meeting_prompt(const MeetingBuild& b) {
    std::string who;
    for (int i = 0; i < b.n_att; ++i) who += (i == 0 ? "" : i + 1 == b.n_att ? " and " : ", ") + b.people[static_cast<size_t>(i)].name;
    return "Please book a " + std::to_string(b.dur) + "-minute meeting titled \"" + b.title + "\" with " + who + " on " + b.date +
           " (UTC date; it must start and end that day in UTC). It must fall inside every "
           "attendee's working hours in their own time zone, and nobody may have a conflict (busy blocks "
           "or other bookings). Start on a quarter hour. Use a room in " +
           b.building + " with at least " + std::to_string(b.seats) + " seats" + (b.need_video ? " and video conferencing" : "") + ".";
}

// A script that books `room` for `att` and submits `booking_id`.
std::vector<ScriptTurn> meeting_script(const MeetingBuild& b, const std::vector<const Person*>& att, const std::string& room,
                                       int64_t booking_id) {
    std::vector<ScriptTurn> s;
    ScriptTurn find{"Look up everyone.", {}};
    for (const Person* p : att) find.calls.push_back({"find_person", Json::object({{"name", p->name}})});
    s.push_back(std::move(find));
    ScriptTurn cal{"Check calendars and rooms.", {}};
    for (const Person* p : att) {
        cal.calls.push_back({"get_busy", Json::object({{"email", p->email}, {"date", b.date}})});
        cal.calls.push_back({"get_bookings_for_person", Json::object({{"email", p->email}, {"date", b.date}})});
    }
    cal.calls.push_back({"list_rooms", Json::object({{"building", b.building}, {"min_capacity", b.seats}})});
    cal.calls.push_back({"get_room_bookings", Json::object({{"room", room}, {"date", b.date}})});
    s.push_back(std::move(cal));
    JsonArray emails;
    for (const Person* p : att) emails.emplace_back(p->email);
    s.push_back({"Book the slot.",
                 {{"book_meeting", Json::object({{"room", room},
                                                 {"start_utc", utc_string(b.base + b.slot)},
                                                 {"duration_minutes", b.dur},
                                                 {"title", b.title},
                                                 {"attendees", Json(std::move(emails))}})}}});
    s.push_back({"Done.", {{"submit_result", Json::object({{"booking_id", booking_id}})}}});
    return s;
}

// The reference and its probes: a room too small, and the right booking for other attendees.
Json meeting_reference(const MeetingBuild& b) {
    std::vector<const Person*> att;
    for (int i = 0; i < b.n_att; ++i) att.push_back(&b.people[static_cast<size_t>(i)]);
    std::vector<const Person*> other_att = att;
    other_att.back() = &b.people.back();  // the outsider replaces one attendee
    const int64_t new_id = b.next_booking;
    JsonArray probes;
    probes.push_back(Json::object(
        {{"name", "broken_room_too_small"}, {"expect_pass", false}, {"turns", script_to_json(meeting_script(b, att, b.small, new_id))}}));
    probes.push_back(Json::object({{"name", "other_request_other_attendees"},
                                   {"expect_pass", false},
                                   {"turns", script_to_json(meeting_script(b, other_att, b.room, new_id))}}));
    return reference_json(script_to_json(meeting_script(b, att, b.room, new_id)), Json::object({{"booking_id", new_id}}),
                          std::move(probes));
}

}  // namespace

Task synthesize_meeting(uint64_t seed, int d) {
    MeetingBuild b;
    b.d = d;
    draw_request(b, stage_rng(seed, "meeting.request"));
    draw_people(b, stage_rng(seed, "meeting.people"));
    draw_busy(b, stage_rng(seed, "meeting.busy"));
    draw_rooms(b, stage_rng(seed, "meeting.rooms"));

    Task t = general_task("meeting", seed, d);
    t.generator_version = "2";  // 2: each stage draws from its own stream (stage_rng)
    t.system =
        "You are a scheduling assistant. Use the tools to check people's time zones, working "
        "hours, busy blocks and bookings, and the rooms. Book exactly one meeting, then call "
        "submit_result with its booking id.";
    t.prompt = meeting_prompt(b);
    t.tools = meeting_tools(d);
    // Booking ids come from a counter, so a cancelled booking's id is never handed out again.
    Table t_counter{"counters", {{"name", "TEXT"}, {"next", "INTEGER"}}, {}};
    t_counter.add({"booking", b.next_booking});
    t.env = domain_env("meeting", {&b.t_people, &b.t_busy, &b.t_rooms, &b.t_book, &b.t_att, &t_counter});
    JsonArray required;
    for (int i = 0; i < b.n_att; ++i) required.emplace_back(b.people[static_cast<size_t>(i)].email);
    t.verifier = Json::object({{"type", "meeting"},
                               {"date", b.date},
                               {"title", b.title},
                               {"duration", b.dur},
                               {"building", b.building},
                               {"seats", b.seats},
                               {"video", b.need_video},
                               {"attendees", Json(required)}});
    t.reference = meeting_reference(b);
    t.limits.max_turns = 12 + 3 * d;
    t.limits.max_tool_calls = 40 + 10 * d;
    t.finalize();
    return t;
}

ToolResult meeting_op(SqliteDb& db, const std::string& op, const Json& a) {
    if (op == "book_meeting") {
        const std::string room = a.get_string("room");
        const int64_t start = parse_utc(a.get_string("start_utc"));
        if (start < 0) return ToolResult::error("start_utc '" + a.get_string("start_utc") + "': expected YYYY-MM-DDTHH:MMZ");
        const int64_t end = start + a.get_int("duration_minutes");
        SqliteStmt r(db, "SELECT 1 FROM rooms WHERE name = ?");
        r.bind(1, room);
        if (!r.step()) return ToolResult::error("no room named '" + room + "'");
        for (const auto& e : a.at("attendees").as_array()) {
            SqliteStmt p(db, "SELECT 1 FROM people WHERE email = ?");
            p.bind(1, e.as_string());
            if (!p.step()) return ToolResult::error("no person with email '" + e.as_string() + "'");
        }
        SqliteStmt q(db, "SELECT start_utc, end_utc, title FROM bookings WHERE room = ?");
        q.bind(1, room);
        while (q.step())
            if (overlaps(start, end, parse_utc(q.text(0)), parse_utc(q.text(1))))
                return ToolResult::error("room '" + room + "' is booked " + q.text(0) + " to " + q.text(1) + " (\"" + q.text(2) + "\")");
        SqliteStmt next(db, "SELECT next FROM counters WHERE name = 'booking'");
        if (!next.step()) return ToolResult::error("booking counter missing");
        const int64_t id = next.int64(0);
        db.exec("UPDATE counters SET next = next + 1 WHERE name = 'booking'");
        SqliteStmt ins(db, "INSERT INTO bookings VALUES(?,?,?,?,?,?)");
        ins.bind(1, id).bind(2, room).bind(3, utc_string(start)).bind(4, utc_string(end));
        ins.bind(5, a.get_string("title")).bind(6, a.at("attendees").as_array()[0].as_string());
        ins.run();
        for (const auto& e : a.at("attendees").as_array()) {
            SqliteStmt ia(db, "INSERT INTO booking_attendees VALUES(?,?)");
            ia.bind(1, id).bind(2, e.as_string());
            ia.run();
        }
        return {Json::object({{"booking_id", id}, {"room", room}, {"start_utc", utc_string(start)}, {"end_utc", utc_string(end)}}).dump(),
                false, false, Json()};
    }
    if (op == "cancel_booking") {
        SqliteStmt del(db, "DELETE FROM bookings WHERE id = ?");
        del.bind(1, a.get_int("booking_id"));
        del.run();
        if (db.changes() == 0) return ToolResult::error("no booking " + std::to_string(a.get_int("booking_id")));
        SqliteStmt da(db, "DELETE FROM booking_attendees WHERE booking_id = ?");
        da.bind(1, a.get_int("booking_id"));
        da.run();
        return {Json::object({{"booking_id", a.get_int("booking_id")}, {"status", "cancelled"}}).dump(), false, false, Json()};
    }
    return ToolResult::error("unknown operation '" + op + "'");
}

Verdict verify_meeting(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer) {
    Checks c;
    const Json& v = task.verifier;
    int64_t max_orig = 0;
    auto orig = table_objects(env, "bookings");
    for (const auto& b : orig) max_orig = std::max(max_orig, b.get_int("id"));
    SqliteStmt kept(db, "SELECT count(*) FROM bookings WHERE id <= ?");
    kept.bind(1, max_orig);
    kept.step();
    c.add("existing bookings kept", kept.int64(0) == static_cast<int64_t>(orig.size()));
    auto fresh = query_objects(db, "SELECT id, room, start_utc, end_utc, title FROM bookings WHERE id > " + std::to_string(max_orig));
    c.add("exactly one new booking", fresh.size() == 1, std::to_string(fresh.size()) + " new");
    if (fresh.size() != 1) return c.verdict();
    const Json& b = fresh[0];
    const int64_t id = b.get_int("id");
    const int64_t s = parse_utc(b.get_string("start_utc")), e = parse_utc(b.get_string("end_utc"));
    const int64_t day0 = parse_utc(v.get_string("date") + "T00:00Z");
    c.add("title", b.get_string("title") == v.get_string("title"), b.get_string("title"));
    c.add("duration", e - s == v.get_int("duration"), std::to_string(e - s) + " minutes");
    c.add("on the date", s >= day0 && e <= day0 + kDay, b.get_string("start_utc"));
    c.add("quarter hour", s % 15 == 0);
    SqliteStmt room(db, "SELECT building, capacity, has_video FROM rooms WHERE name = ?");
    room.bind(1, b.get_string("room"));
    if (room.step()) {
        c.add("room building", room.text(0) == v.get_string("building"), room.text(0));
        c.add("room seats", room.int64(1) >= v.get_int("seats"), std::to_string(room.int64(1)) + " seats");
        if (v.get_bool("video")) c.add("room video", room.int64(2) == 1);
    } else {
        c.add("room exists", false, b.get_string("room"));
    }
    bool room_free = true;
    {
        SqliteStmt q(db, "SELECT start_utc, end_utc FROM bookings WHERE room = ? AND id != ?");
        q.bind(1, b.get_string("room")).bind(2, id);
        while (q.step()) room_free = room_free && !overlaps(s, e, parse_utc(q.text(0)), parse_utc(q.text(1)));
    }
    c.add("room free", room_free);
    std::set<std::string> want, got;
    for (const auto& a : v.at("attendees").as_array()) want.insert(a.as_string());
    for (const auto& a : query_objects(db, "SELECT email FROM booking_attendees WHERE booking_id = " + std::to_string(id)))
        got.insert(a.get_string("email"));
    c.add("attendees", want == got);
    for (const auto& email : want) {
        SqliteStmt p(db, "SELECT offset_minutes, work_start, work_end FROM people WHERE email = ?");
        p.bind(1, email);
        if (!p.step()) continue;
        const int64_t off = p.int64(0);
        auto mins = [](const std::string& hm) { return std::stoi(hm.substr(0, 2)) * 60 + std::stoi(hm.substr(3, 2)); };
        const int64_t local_start = s - day0 + off;  // minutes from local midnight of the UTC date
        bool in_hours = false;
        for (int64_t shift : {-kDay, 0, kDay}) {  // the local day may be the previous or next one
            int64_t ls = local_start + shift;
            in_hours = in_hours || (ls >= mins(p.text(1)) && ls + (e - s) <= mins(p.text(2)));
        }
        c.add(email + " working hours", in_hours);
        bool free = true;
        SqliteStmt busy(db, "SELECT start_utc, end_utc FROM busy WHERE email = ?");
        busy.bind(1, email);
        while (busy.step()) free = free && !overlaps(s, e, parse_utc(busy.text(0)), parse_utc(busy.text(1)));
        SqliteStmt other(db,
                         "SELECT b.start_utc, b.end_utc FROM bookings b JOIN booking_attendees a ON a.booking_id = b.id "
                         "WHERE a.email = ? AND b.id != ?");
        other.bind(1, email).bind(2, id);
        while (other.step()) free = free && !overlaps(s, e, parse_utc(other.text(0)), parse_utc(other.text(1)));
        c.add(email + " free", free);
    }
    const Json* got_id = answer.find("booking_id");
    c.add("reported booking id", got_id && got_id->is_int() && got_id->as_int() == id, got_id ? got_id->dump() : "missing");
    return c.verdict();
}

}  // namespace envforge::general
