//! Instant `packages[]`: a delivery with its origin and destination, and
//! KiriminAja's package status table (100–905).

use core::fmt;

use crate::lenient_json::{NumberOrString, Text};

lenient_object! {
    /// One end of a delivery.
    pub struct Location {
        /// `name`.
        optional "name" name: Text,
        /// `address`.
        optional "address" address: Text,
        /// `phone`.
        optional "phone" phone: Text,
        /// `latitude`, as sent (a number, or a string).
        optional "latitude" latitude: NumberOrString,
        /// `longitude`, as sent.
        optional "longitude" longitude: NumberOrString,
    }
}

lenient_object! {
    /// One delivery of an Instant payment.
    pub struct Package {
        /// `awb`: the airway bill, once the courier assigned one.
        optional "awb" awb: Text,
        /// `order_id`: your order id.
        optional "order_id" order_id: Text,
        /// `service`: the courier (`gosend`, `grab` …).
        optional "service" service: Text,
        /// `service_name`: the courier's service (`instant`, `sameday`).
        optional "service_name" service_name: Text,
        /// `status`: the package status code ([`Package::package_status`]).
        optional "status" status: NumberOrString,
        /// `live_track_url`; may be null.
        optional "live_track_url" live_track_url: Text,
        /// `origin`.
        optional "origin" origin: Location,
        /// `destination`.
        optional "destination" destination: Location,
    }
}

impl Package {
    /// `status` read in KiriminAja's package status table; `None` when it is
    /// absent or not a code (Instant webhooks may send a word such as
    /// `"cancel"`).
    pub fn package_status(&self) -> Option<PackageStatus> {
        self.status
            .as_ref()
            .and_then(|s| s.as_str().parse::<u16>().ok())
            .map(PackageStatus)
    }
}

/// A KiriminAja package status code (the shared table of Express and
/// Instant; `105` = waiting for pickup / for the AWB).
///
/// ```
/// use snap_bi::kiriminaja::{PackageStatus, PackageStatusGroup};
///
/// let waiting = PackageStatus(105);
/// assert_eq!(waiting.description(), Some("waiting for pickup / waiting for AWB"));
/// assert_eq!(waiting.group(), PackageStatusGroup::New);
/// assert_eq!(PackageStatus(200).group(), PackageStatusGroup::Delivered);
/// assert_eq!(PackageStatus(999).group(), PackageStatusGroup::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageStatus(pub u16);

/// The group a package status belongs to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageStatusGroup {
    /// 100–105, 110: created, waiting for pickup.
    New,
    /// 106, 107, 152: with the courier.
    InTransit,
    /// 200: delivered.
    Delivered,
    /// 300–350: cancelled, refused, lost, destroyed.
    Cancelled,
    /// 400–406: returned to the sender, or on the way back.
    Returned,
    /// 500, 555, 701–704, 901–905: problems, customs, claims.
    Problem,
    /// A code outside KiriminAja's table.
    Unknown,
}

impl PackageStatus {
    /// KiriminAja's wording, for the codes its table describes one by one.
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            100 => "created",
            101 => "pickup requested",
            102 => "validated by pickup officer",
            103 => "taken by KiriminAja driver",
            104 => "validated at distribution centre",
            105 => "waiting for pickup / waiting for AWB",
            110 => "pending direct pickup",
            106 => "carried by the courier",
            107 => "reported by driver",
            152 => "re-delivery",
            200 => "delivered",
            300 => "cancelled by customer",
            301 => "refused by recipient",
            302 => "pickup cancelled by seller",
            303 => "lost",
            310 | 311 => "refused",
            333 => "destroyed",
            350 => "cancel requested",
            400 => "returned",
            401..=406 => "return in progress",
            555 => "held at customs",
            _ => return None,
        })
    }

    /// The group of the code.
    pub fn group(self) -> PackageStatusGroup {
        match self.0 {
            100..=105 | 110 => PackageStatusGroup::New,
            106 | 107 | 152 => PackageStatusGroup::InTransit,
            200 => PackageStatusGroup::Delivered,
            300..=303 | 310 | 311 | 333 | 350 => PackageStatusGroup::Cancelled,
            400..=406 => PackageStatusGroup::Returned,
            500 | 555 | 701..=704 | 901..=905 => PackageStatusGroup::Problem,
            _ => PackageStatusGroup::Unknown,
        }
    }
}

impl fmt::Display for PackageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(description) => write!(f, "{} ({description})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}
