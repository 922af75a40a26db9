/*
 * HTTP dates without the C library's time zone code (upnp_date.h).
 */
#include "upnp_date.h"

#include <stdio.h>

void pctld_http_date(int64_t secs, char out[PCTLD_HTTP_DATE_LEN + 1])
{
	static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun",
	                                "Mon", "Tue", "Wed"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	int64_t day = secs / 86400, rem = secs % 86400;
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400;
		day--;
	}
	/* civil_from_days (H. Hinnant): days since 1970-01-01 to y-m-d */
	z = day + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, PCTLD_HTTP_DATE_LEN + 1,
	         "%s, %02d %s %04d %02d:%02d:%02d GMT",
	         days[((day % 7) + 7) % 7], (int)d, months[m - 1], (int)y,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}
