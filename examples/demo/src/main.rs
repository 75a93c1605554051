//! `cargo run -p warden-demo`: the rocket_warden feature tour.

#[rocket::launch]
fn rocket() -> _ {
    warden_demo::rocket()
}
