//! Chip descriptions: which GPIOs a board has and what each can do.

/// Which GPIOs a board has and what they can do.
///
/// ```
/// use uasyncio_machine::BoardDesc;
/// let esp32 = BoardDesc::esp32();
/// assert!(esp32.has_gpio(14) && !esp32.has_gpio(24));
/// assert!(esp32.has_adc(36) && !esp32.has_adc(2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardDesc {
    /// A name for the board, e.g. `"ESP32"`.
    pub name: String,
    /// Every GPIO number that exists.
    pub gpios: Vec<u8>,
    /// The GPIOs with an ADC channel.
    pub adc: Vec<u8>,
    /// The GPIOs that can only be inputs (no output driver).
    pub input_only: Vec<u8>,
    /// Whether [`Adc::atten`](crate::Adc::atten) is available (ESP32: yes; Pico: no).
    pub adc_attenuation: bool,
    /// The on-board LED, if any.
    pub led: Option<u8>,
}

impl BoardDesc {
    /// An ESP32 DevKit (ESP32-WROOM-32): GPIO 0–19, 21–23, 25–27, 32–39; the
    /// ADC on GPIO 32–39 (ADC1; ADC2 is unusable with Wi-Fi); GPIO 34–39 are
    /// inputs only; on-board LED on GPIO 2.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// let esp32 = BoardDesc::esp32();
    /// assert!(esp32.input_only.contains(&36));
    /// assert_eq!(esp32.led, Some(2));
    /// ```
    pub fn esp32() -> BoardDesc {
        let gpios = (0..=19).chain(21..=23).chain(25..=27).chain(32..=39);
        BoardDesc {
            name: "ESP32".into(),
            gpios: gpios.collect(),
            adc: (32..=39).collect(),
            input_only: (34..=39).collect(),
            adc_attenuation: true,
            led: Some(2),
        }
    }

    /// A Raspberry Pi Pico (RP2040): GPIO 0–29, the ADC on GPIO 26–29,
    /// on-board LED on GPIO 25.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert_eq!(BoardDesc::pico().adc, [26, 27, 28, 29]);
    /// ```
    pub fn pico() -> BoardDesc {
        BoardDesc {
            name: "Raspberry Pi Pico".into(),
            gpios: (0..=29).collect(),
            adc: (26..=29).collect(),
            input_only: Vec::new(),
            adc_attenuation: false,
            led: Some(25),
        }
    }

    /// Whether GPIO `gpio` exists.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert!(BoardDesc::pico().has_gpio(25));
    /// assert!(!BoardDesc::pico().has_gpio(30));
    /// ```
    pub fn has_gpio(&self, gpio: u8) -> bool {
        self.gpios.contains(&gpio)
    }

    /// Whether GPIO `gpio` has an ADC channel.
    ///
    /// ```
    /// use uasyncio_machine::BoardDesc;
    /// assert!(BoardDesc::pico().has_adc(26));
    /// assert!(!BoardDesc::pico().has_adc(25));
    /// ```
    pub fn has_adc(&self, gpio: u8) -> bool {
        self.adc.contains(&gpio)
    }
}
