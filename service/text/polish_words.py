"""Word lists for polish.py: verb stems, suffixes, adjectives, and the real words to leave alone."""

from __future__ import annotations


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


PLURALS = ("ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان")

# Clitics written with a half-space after a silent ه (`خانه‌ام`, `رفته‌اند`); `است` stays apart.
AFTER_SILENT_HE = _set("ام ات اش ای ایم اید اند ایی مان تان شان ی")

PERSONAL_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")

PRESENT_STEMS = _set(
    """
    شو کن ده گوی رو آی خواه توان دان بین گیر رس ساز یاب خور نویس خوان گذار گذر پرداز مان
    کش زن آور بر دار رسان شناس پذیر افت گرد نشین ایست پرس فروش خر سپار جوی اندیش کوش بخش
    پوش ریز ران تاب خیز گریز پاش سوز فهم جنگ لرز پر چرخ خند گری نگر شمار آموز افزای کاه
    بند گشای نمای باش آفرین ترس کار بوس پیوند شکن شنو فرست طلب بار دو میر کوب لغز خواب
    چین پرور گمار گردان نه افکن انداز شوی گسل دوز پز بال روی
    """
)

PAST_STEMS = _set(
    """
    شد کرد داد گفت رفت آمد خواست توانست دانست دید گرفت رسید ساخت یافت خورد نوشت خواند
    گذاشت گذشت پرداخت ماند کشید زد آورد برد داشت رساند شناخت پذیرفت افتاد گشت نشست ایستاد
    پرسید فروخت خرید سپرد جست اندیشید کوشید بخشید پوشید ریخت راند تابید خاست گریخت سوخت
    فهمید جنگید لرزید پرید چرخید خندید گریست نگریست شمرد آموخت افزود کاست بست گشود نمود
    بود ترسید بوسید پیوست شکست شنید فرستاد طلبید دوید بارید زیست مرد کوبید خوابید انداخت
    نهاد گردید گرداند پرورد دوخت پخت
    """
)

# A verb after می/نمی with no personal ending: the impersonal `نمی‌توان`, `می‌بایست`.
BARE_VERBS = _set("توان بایست")

# Words after a lone `می` that show it is the noun ("wine"), not the verb prefix.
NOT_AFTER_MI = _set("و یا ناب گلگون لعل را از که")

# Words that never take a plural or comparative suffix from the next word.
FUNCTION_WORDS = _set("و از به در با که را تا یا اگر چون هم نه بر برای اما ولی پس نیز چه هر همه")

# The Latin letter names: `بی بی سی` (BBC), `ای بی ام` (IBM) are not the prefix `بی`.
LETTER_NAMES = _set(
    "بی سی دی ای اف جی اچ آی کی ال ام ان او پی کیو آر اس تی یو وی دبلیو ایکس وای زد"
)

# Adjectives whose comparative is written as one word, with no half-space.
FUSED_COMPARATIVES = _set("به بیش کم مه که")

ADJECTIVES = _set(
    """
    بزرگ کوچک مهم جدی سخت آسان ساده قوی ضعیف سریع کند جدید تازه قدیمی نزدیک دور طولانی
    کوتاه بلند گران ارزان خوب زیبا زشت گرم سرد تاریک روشن پایین بالا پیش دیر زود فراوان
    زیاد اندک گسترده عمیق وسیع باریک پهن سنگین سبک آرام شدید دقیق مناسب مطمئن مشکل خطرناک
    امن ثروتمند فقیر جوان پیر محبوب معروف مشهور موثر مؤثر ارزشمند پیچیده آشکار واضح سالم
    داغ ناچیز کامل دراز عظیم نرم تند خشک غنی شاد تلخ شیرین آهسته اصلی عمده برجسته قدرتمند
    پیشرفته بد پررنگ کمرنگ مرتفع فعال جذاب لازم ضروری رایج گرانقیمت
    """
)

# Words ending in a pronounced ه: a suffix after them is not written with a half-space rule.
PRONOUNCED_HE = _set(
    """
    به ده مه ره شه فقه وجه توجه شبیه توجیه تنبیه فقیه کریه سفیه تشبیه نزیه فربه ابله الله
    بدیه شبه تنزیه تفقه تنبه تأله
    """
)

# Real words that look like a prefix or suffix pattern; never split (`میدان`, `تنها`, `دفتر`).
REAL_WORDS = _set(
    """
    میدان میدانی میزان میراث میلیون میلیارد میوه میهن میان میانه میز میل میخ میش میمون
    میگو میلاد میعاد میهمان میکروب میکروفون میرزا میسر میزبان میبد میناب مینو میده میرا
    تنها بها رها انتها اشتها منتها اژدها دفتر چتر شتر کبوتر بستر اختر انگشتر دختر بهتر
    بیشتر کمتر کهتر مهتر خاکستر برتر کمترین بیشترین بهترین تنهایی رهایی بهایی انتهایی
    """
)

# Verbal-noun and agent suffixes that never stand alone (`سرمایه گذاری`, `نشان دهنده`); `بخش`,
# `خواه`, `بینی` are left out: they are also words of their own (part, whether, nose).
AGENT_SUFFIXES = _set(
    """
    گذاری گذار گذاران ریزی سازی گیری دهنده دهندگان کننده کنندگان آوری اندازی آمیز انگیز
    ناپذیر پذیر پذیری
    """
)


def _pairs(text: str, glue: str) -> dict[tuple[str, str], str]:
    pairs = {}
    for line in text.strip().splitlines():
        left, *rights = line.split()
        pairs.update({(left, right): glue for right in rights})
    return pairs


# Compounds written as one word or with a half-space: the weekdays, and news words whose parts
# are words of their own (so no suffix rule can join them).
COMPOUNDS = {
    **_pairs("یک شنبه\nدو شنبه\nچهار شنبه", ""),
    **_pairs(
        """
        سه شنبه
        پنج شنبه
        بین المللی
        فوق العاده
        همه پرسی
        پیش بینی بینی‌ها
        جمهوری خواه خواهان خواهی
        نخست وزیر وزیری
        زمین لرزه
        پس لرزه
        بن بست
        دانش آموز آموزان
        محافظه کار کاران کارانه
        آتش سوزی بس
        خبر نگار نگاران
        روزنامه نگار نگاران
        تحلیل گر گران
        دروازه بان
        اصلاح طلب طلبان
        """,
        "\u200c",
    ),
}
