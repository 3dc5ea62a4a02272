fn main() {
    fishbowl_web::start();
}
